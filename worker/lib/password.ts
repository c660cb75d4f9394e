import { fromBase64, toBase64, utf8 } from "./encoding";
import { constantTimeEqual } from "./hash";

/** workerd caps PBKDF2 at 100k iterations; the count is stored per hash so it can be raised later. */
export const PBKDF2_ITERATIONS = 100_000;

export interface PasswordHash {
  hash: string;
  salt: string;
  iterations: number;
}

async function derive(password: string, salt: Uint8Array, iterations: number): Promise<string> {
  const key = await crypto.subtle.importKey("raw", utf8(password), "PBKDF2", false, ["deriveBits"]);
  const bits = await crypto.subtle.deriveBits({ name: "PBKDF2", hash: "SHA-256", salt, iterations }, key, 256);
  return toBase64(new Uint8Array(bits));
}

export async function hashPassword(password: string, iterations = PBKDF2_ITERATIONS): Promise<PasswordHash> {
  const salt = crypto.getRandomValues(new Uint8Array(16));
  return { hash: await derive(password, salt, iterations), salt: toBase64(salt), iterations };
}

export async function verifyPassword(password: string, stored: PasswordHash): Promise<boolean> {
  const candidate = await derive(password, fromBase64(stored.salt), stored.iterations);
  return constantTimeEqual(candidate, stored.hash);
}

/** Stands in for a missing account, so checking a password for an unknown e-mail costs the same PBKDF2 work. */
const NO_ACCOUNT: PasswordHash = { hash: "", salt: "AAAAAAAAAAAAAAAAAAAAAA==", iterations: PBKDF2_ITERATIONS };

/**
 * Checks `password` against an account's stored hash; with no account it does the same work and fails, so the
 * time taken does not tell whether the e-mail is registered.
 */
export async function checkAccountPassword(
  password: string,
  account: { passwordHash: string; passwordSalt: string; passwordIterations: number } | null,
): Promise<boolean> {
  const stored = account ? { hash: account.passwordHash, salt: account.passwordSalt, iterations: account.passwordIterations } : NO_ACCOUNT;
  const ok = await verifyPassword(password, stored);
  return account != null && ok;
}
