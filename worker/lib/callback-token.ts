import { fromBase64 } from "./encoding";
import { constantTimeEqual, hmacHex } from "./hash";

export interface CallbackTarget {
  tenantId: string;
  runId: string;
  taskKey: string;
  attempt: number;
}

/** The base64 material of each master key in the ring, current first (`2:<b64>,1:<b64>` or a bare key). */
export const ringMaterials = (masterKeySpec: string) =>
  masterKeySpec
    .split(",")
    .map((entry) => entry.trim())
    .filter(Boolean)
    .map((entry) => (entry.includes(":") ? entry.split(":", 2)[1] : entry));

/** A callback key is derived from a master key so no extra secret needs managing. */
async function callbackKey(material: string): Promise<Uint8Array> {
  return new Uint8Array(await crypto.subtle.digest("SHA-256", new Uint8Array([...fromBase64(material), ...new TextEncoder().encode("tutti-callback-v1")])));
}

const encode = (t: CallbackTarget) => [t.tenantId, t.runId, t.taskKey, String(t.attempt)].map(encodeURIComponent).join(".");

/** `<tenant>.<run>.<task>.<attempt>.<hmac>`: a URL path segment that proves Tutti issued it for that attempt. */
export async function signCallback(masterKeySpec: string, target: CallbackTarget): Promise<string> {
  const payload = encode(target);
  return `${payload}.${await hmacHex("SHA-256", await callbackKey(ringMaterials(masterKeySpec)[0]), payload)}`;
}

export async function verifyCallback(masterKeySpec: string, token: string): Promise<CallbackTarget | null> {
  const parts = token.split(".");
  if (parts.length !== 5) return null;
  const [tenantId, runId, taskKey, attempt, mac] = parts.map(decodeURIComponent);
  const target = { tenantId, runId, taskKey, attempt: Number(attempt) };
  if (!Number.isInteger(target.attempt)) return null;
  // Signed by any key still in the ring: a callback URL handed to a tool before a rotation keeps working until the
  // old key leaves the ring.
  for (const material of ringMaterials(masterKeySpec)) {
    if (constantTimeEqual(mac, await hmacHex("SHA-256", await callbackKey(material), encode(target)))) return target;
  }
  return null;
}
