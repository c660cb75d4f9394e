import { fromBase64 } from "./encoding";
import { constantTimeEqual, hmacHex } from "./hash";

export interface CallbackTarget {
  tenantId: string;
  runId: string;
  taskKey: string;
  attempt: number;
}

/** The callback key is derived from the current master key so no extra secret needs managing. */
async function callbackKey(masterKeySpec: string): Promise<Uint8Array> {
  const first = masterKeySpec.split(",")[0].trim();
  const material = first.includes(":") ? first.split(":", 2)[1] : first;
  return new Uint8Array(await crypto.subtle.digest("SHA-256", new Uint8Array([...fromBase64(material), ...new TextEncoder().encode("tutti-callback-v1")])));
}

const encode = (t: CallbackTarget) => [t.tenantId, t.runId, t.taskKey, String(t.attempt)].map(encodeURIComponent).join(".");

/** `<tenant>.<run>.<task>.<attempt>.<hmac>`: a URL path segment that proves Tutti issued it for that attempt. */
export async function signCallback(masterKeySpec: string, target: CallbackTarget): Promise<string> {
  const payload = encode(target);
  return `${payload}.${await hmacHex("SHA-256", await callbackKey(masterKeySpec), payload)}`;
}

export async function verifyCallback(masterKeySpec: string, token: string): Promise<CallbackTarget | null> {
  const parts = token.split(".");
  if (parts.length !== 5) return null;
  const [tenantId, runId, taskKey, attempt, mac] = parts.map(decodeURIComponent);
  const target = { tenantId, runId, taskKey, attempt: Number(attempt) };
  if (!Number.isInteger(target.attempt)) return null;
  const expected = await hmacHex("SHA-256", await callbackKey(masterKeySpec), encode(target));
  return constantTimeEqual(mac, expected) ? target : null;
}
