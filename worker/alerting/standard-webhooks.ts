import { fromBase64, utf8 } from "../lib/encoding";
import { constantTimeEqual, hmacBase64 } from "../lib/hash";

/**
 * Standard Webhooks 1.0 signatures (https://www.standardwebhooks.com): `webhook-signature` is
 * `v1,<base64 HMAC-SHA256(key, "{webhook-id}.{webhook-timestamp}.{body}")>`, where the key is the base64 part of a
 * `whsec_<base64>` secret, decoded. The body is signed as the exact bytes sent.
 */

export const SECRET_PREFIX = "whsec_";
/** Receivers should reject timestamps further than this from their clock (the spec's usual tolerance). */
export const DEFAULT_TOLERANCE_SECONDS = 5 * 60;

export class InvalidSigningSecret extends Error {
  constructor() {
    super("the signing secret must be whsec_ followed by base64 (at least 24 random bytes), e.g. whsec_$(openssl rand -base64 32)");
  }
}

/** The HMAC key of a `whsec_…` secret (the prefix is optional, as in the reference libraries). */
export function signingKey(secret: string): Uint8Array {
  const encoded = secret.startsWith(SECRET_PREFIX) ? secret.slice(SECRET_PREFIX.length) : secret;
  let key: Uint8Array;
  try {
    key = fromBase64(encoded.trim());
  } catch {
    throw new InvalidSigningSecret();
  }
  if (key.length < 24) throw new InvalidSigningSecret();
  return key;
}

export async function sign(secret: string, id: string, timestampSeconds: number, body: string): Promise<string> {
  return `v1,${await hmacBase64("SHA-256", signingKey(secret), utf8(`${id}.${timestampSeconds}.${body}`))}`;
}

/** The three headers of one attempt: the id is the same on every retry, the timestamp is the attempt's. */
export async function signedHeaders(secret: string, id: string, timestampSeconds: number, body: string): Promise<Record<string, string>> {
  return {
    "webhook-id": id,
    "webhook-timestamp": String(timestampSeconds),
    "webhook-signature": await sign(secret, id, timestampSeconds, body),
  };
}

export type VerifyResult = { ok: true } | { ok: false; reason: "missing_headers" | "bad_timestamp" | "stale" | "bad_signature" };

/**
 * What a receiver does: check the timestamp is recent, then compare the expected signature, in constant time, with each
 * space-separated `v1,` signature (several are sent while a secret rotates).
 */
export async function verify(
  secret: string,
  headers: { id: string | null; timestamp: string | null; signature: string | null },
  body: string,
  nowSeconds: number,
  toleranceSeconds = DEFAULT_TOLERANCE_SECONDS,
): Promise<VerifyResult> {
  if (!headers.id || !headers.timestamp || !headers.signature) return { ok: false, reason: "missing_headers" };
  if (!/^\d+$/.test(headers.timestamp)) return { ok: false, reason: "bad_timestamp" };
  const ts = Number(headers.timestamp);
  if (Math.abs(nowSeconds - ts) > toleranceSeconds) return { ok: false, reason: "stale" };
  const expected = await sign(secret, headers.id, ts, body);
  const candidates = headers.signature.split(" ").filter((s) => s.startsWith("v1,"));
  let ok = false;
  for (const candidate of candidates) if (constantTimeEqual(candidate, expected)) ok = true;
  return ok ? { ok: true } : { ok: false, reason: "bad_signature" };
}
