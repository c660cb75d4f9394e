import { fromBase64, toBase64, utf8 } from "./encoding";

/**
 * AES-GCM envelope encryption: each secret gets its own data key, which is wrapped by the
 * master key. Rotating the master key only re-wraps data keys; the key version says which
 * master key wrapped a given envelope.
 */
export interface Envelope {
  v: number; // master key version
  wk: string; // wrapped data key (iv ‖ ciphertext), base64
  iv: string;
  ct: string;
}

export interface KeyRing {
  current: { version: number; key: CryptoKey };
  byVersion: Map<number, CryptoKey>;
}

const ringCache = new Map<string, Promise<KeyRing>>();

/** Parses `TUTTI_MASTER_KEY` (`2:<b64>,1:<b64>` or a bare base64 key = version 1). */
export function loadKeyRing(spec: string | undefined): Promise<KeyRing> {
  if (!spec) throw new Error("TUTTI_MASTER_KEY is not configured");
  let ring = ringCache.get(spec);
  if (!ring) {
    ring = buildRing(spec);
    ringCache.set(spec, ring);
  }
  return ring;
}

async function buildRing(spec: string): Promise<KeyRing> {
  const entries = spec
    .split(",")
    .map((s) => s.trim())
    .filter(Boolean);
  const byVersion = new Map<number, CryptoKey>();
  let current: KeyRing["current"] | undefined;
  for (const entry of entries) {
    const [versionText, material] = entry.includes(":") ? entry.split(":", 2) : ["1", entry];
    const version = Number(versionText);
    const raw = fromBase64(material);
    if (!Number.isInteger(version) || raw.length !== 32) throw new Error("TUTTI_MASTER_KEY entries must be <version>:<base64 of 32 bytes>");
    const key = await crypto.subtle.importKey("raw", raw, "AES-GCM", false, ["encrypt", "decrypt"]);
    byVersion.set(version, key);
    current ??= { version, key };
  }
  if (!current) throw new Error("TUTTI_MASTER_KEY is empty");
  return { current, byVersion };
}

async function aesEncrypt(key: CryptoKey, plain: Uint8Array, aad: Uint8Array) {
  const iv = crypto.getRandomValues(new Uint8Array(12));
  const ct = new Uint8Array(await crypto.subtle.encrypt({ name: "AES-GCM", iv, additionalData: aad }, key, plain));
  return { iv, ct };
}

/** The data key wrapped by the current master key: iv ‖ ciphertext, base64. */
async function wrapDataKey(ring: KeyRing, dataKeyRaw: Uint8Array, aad: string): Promise<string> {
  const wrapped = await aesEncrypt(ring.current.key, dataKeyRaw, utf8(aad));
  const wk = new Uint8Array(wrapped.iv.length + wrapped.ct.length);
  wk.set(wrapped.iv);
  wk.set(wrapped.ct, wrapped.iv.length);
  return toBase64(wk);
}

/** `aad` binds the ciphertext to its owner (tenant/connection/field) so envelopes cannot be swapped between rows. */
export async function seal(ring: KeyRing, plaintext: string, aad: string): Promise<Envelope> {
  const dataKeyRaw = crypto.getRandomValues(new Uint8Array(32));
  const dataKey = await crypto.subtle.importKey("raw", dataKeyRaw, "AES-GCM", false, ["encrypt"]);
  const body = await aesEncrypt(dataKey, utf8(plaintext), utf8(aad));
  return { v: ring.current.version, wk: await wrapDataKey(ring, dataKeyRaw, aad), iv: toBase64(body.iv), ct: toBase64(body.ct) };
}

async function unwrapDataKey(ring: KeyRing, envelope: Envelope, aad: string): Promise<Uint8Array> {
  const master = ring.byVersion.get(envelope.v);
  if (!master) throw new Error(`master key version ${envelope.v} is not in the key ring`);
  const wk = fromBase64(envelope.wk);
  return new Uint8Array(await crypto.subtle.decrypt({ name: "AES-GCM", iv: wk.slice(0, 12), additionalData: utf8(aad) }, master, wk.slice(12)));
}

/**
 * The same secret under the ring's current master key: only the data key is unwrapped and wrapped again, so the
 * secret itself is never decrypted. An envelope already under the current key is returned as it is.
 */
export async function rewrap(ring: KeyRing, envelope: Envelope, aad: string): Promise<Envelope> {
  if (envelope.v === ring.current.version) return envelope;
  return { ...envelope, v: ring.current.version, wk: await wrapDataKey(ring, await unwrapDataKey(ring, envelope, aad), aad) };
}

export async function open(ring: KeyRing, envelope: Envelope, aad: string): Promise<string> {
  const dataKeyRaw = await unwrapDataKey(ring, envelope, aad);
  const dataKey = await crypto.subtle.importKey("raw", dataKeyRaw, "AES-GCM", false, ["decrypt"]);
  const plain = await crypto.subtle.decrypt({ name: "AES-GCM", iv: fromBase64(envelope.iv), additionalData: utf8(aad) }, dataKey, fromBase64(envelope.ct));
  return new TextDecoder().decode(plain);
}
