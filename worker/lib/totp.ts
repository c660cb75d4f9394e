import { constantTimeEqual, hmac } from "./hash";

/**
 * Time-based one-time passwords (RFC 6238 over RFC 4226 HOTP) as authenticator apps make them: HMAC-SHA-1, 6 digits,
 * 30-second steps. A code is accepted for its own step and one step either side (clock drift between phone and
 * server), which the caller then marks used so it cannot be replayed.
 */
export const TOTP_PERIOD_S = 30;
export const TOTP_DIGITS = 6;
/** Steps either side of now whose codes are accepted. */
export const TOTP_DRIFT_STEPS = 1;

/** The 30-second step a moment falls in (T in RFC 6238, with T0 = 0). */
export const totpStep = (nowMs: number) => Math.floor(nowMs / 1000 / TOTP_PERIOD_S);

/** The HOTP value of `counter` (RFC 4226 §5.3: dynamic truncation), zero-padded to `digits`. */
export async function hotp(secret: Uint8Array, counter: number, digits = TOTP_DIGITS): Promise<string> {
  const message = new Uint8Array(8);
  const view = new DataView(message.buffer);
  view.setUint32(0, Math.floor(counter / 2 ** 32));
  view.setUint32(4, counter >>> 0);
  const mac = await hmac("SHA-1", secret, message);
  const offset = mac[mac.length - 1]! & 0x0f;
  const binary = ((mac[offset]! & 0x7f) << 24) | (mac[offset + 1]! << 16) | (mac[offset + 2]! << 8) | mac[offset + 3]!;
  return String(binary % 10 ** digits).padStart(digits, "0");
}

/** The code an authenticator app shows at `nowMs`. */
export const totpAt = (secret: Uint8Array, nowMs: number, digits = TOTP_DIGITS) => hotp(secret, totpStep(nowMs), digits);

/**
 * The step whose code `code` is, among now and `TOTP_DRIFT_STEPS` either side, or null. Every candidate is computed
 * and compared in constant time, so the answer's timing says nothing about which step matched.
 */
export async function matchTotp(secret: Uint8Array, code: string, nowMs: number): Promise<number | null> {
  const now = totpStep(nowMs);
  let matched: number | null = null;
  for (let step = now - TOTP_DRIFT_STEPS; step <= now + TOTP_DRIFT_STEPS; step++) {
    if (constantTimeEqual(await hotp(secret, step), code) && matched === null) matched = step;
  }
  return matched;
}

/**
 * Whether a code of step `step` may be accepted after the one of `lastStep` was: only a later step, so a code is
 * never accepted twice and an earlier code still inside the window is refused once a later one was used
 * (RFC 6238 §5.2).
 */
export const isFreshStep = (step: number, lastStep: number | null) => lastStep === null || step > lastStep;

const BASE32 = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";

/** RFC 4648 base32 without padding, as otpauth:// URIs and authenticator apps take secrets. */
export function toBase32(bytes: Uint8Array): string {
  let out = "";
  let bits = 0;
  let value = 0;
  for (const b of bytes) {
    value = (value << 8) | b;
    bits += 8;
    while (bits >= 5) {
      out += BASE32[(value >>> (bits - 5)) & 31];
      bits -= 5;
    }
  }
  if (bits > 0) out += BASE32[(value << (5 - bits)) & 31];
  return out;
}

/** Base32 as people type it: case, spaces and padding do not matter. Throws on any other character. */
export function fromBase32(text: string): Uint8Array {
  const clean = text.toUpperCase().replace(/[\s=]/g, "");
  const out: number[] = [];
  let bits = 0;
  let value = 0;
  for (const ch of clean) {
    const v = BASE32.indexOf(ch);
    if (v < 0) throw new Error(`not base32: ${ch}`);
    value = (value << 5) | v;
    bits += 5;
    if (bits >= 8) {
      out.push((value >>> (bits - 8)) & 0xff);
      bits -= 8;
    }
  }
  return new Uint8Array(out);
}

/** A new 160-bit secret (RFC 4226 §4 recommends the HMAC-SHA-1 output size). */
export const newTotpSecret = () => crypto.getRandomValues(new Uint8Array(20));

/** The `otpauth://` URI authenticator apps import (Key Uri Format): issuer and account label, SHA-1, 6 digits, 30 s. */
export function otpauthUri(secret: Uint8Array, account: string, issuer = "Tutti"): string {
  const label = `${encodeURIComponent(issuer)}:${encodeURIComponent(account)}`;
  const params = new URLSearchParams({ secret: toBase32(secret), issuer, algorithm: "SHA1", digits: String(TOTP_DIGITS), period: String(TOTP_PERIOD_S) });
  return `otpauth://totp/${label}?${params}`;
}
