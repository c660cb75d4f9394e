import { toBase64, toHex, utf8 } from "./encoding";

export async function sha256Hex(input: string | Uint8Array): Promise<string> {
  const data = typeof input === "string" ? utf8(input) : input;
  return toHex(await crypto.subtle.digest("SHA-256", data));
}

export async function hmac(algorithm: "SHA-256" | "SHA-1" | "SHA-512", key: string | Uint8Array, message: string | Uint8Array): Promise<Uint8Array> {
  const keyData = typeof key === "string" ? utf8(key) : key;
  const cryptoKey = await crypto.subtle.importKey("raw", keyData, { name: "HMAC", hash: algorithm }, false, ["sign"]);
  const data = typeof message === "string" ? utf8(message) : message;
  return new Uint8Array(await crypto.subtle.sign("HMAC", cryptoKey, data));
}

export async function hmacHex(algorithm: "SHA-256" | "SHA-1" | "SHA-512", key: string | Uint8Array, message: string | Uint8Array) {
  return toHex(await hmac(algorithm, key, message));
}

export async function hmacBase64(algorithm: "SHA-256" | "SHA-1" | "SHA-512", key: string | Uint8Array, message: string | Uint8Array) {
  return toBase64(await hmac(algorithm, key, message));
}

/** Compares two strings without leaking where they differ (workerd's timingSafeEqual needs equal lengths). */
export function constantTimeEqual(a: string, b: string): boolean {
  const left = utf8(a);
  const right = utf8(b);
  if (left.length !== right.length) {
    crypto.subtle.timingSafeEqual(left, left);
    return false;
  }
  return crypto.subtle.timingSafeEqual(left, right);
}
