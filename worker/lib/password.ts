import { fromBase64, toBase64, utf8 } from "./encoding";
import { constantTimeEqual } from "./hash";

/** workerd caps PBKDF2 at 100k iterations; the count is stored per hash so it can be raised later. */
export const PBKDF2_ITERATIONS = 100_000;

/** The only environments where `TEST_PASSWORD_HASH_ITERATIONS` is honoured: the test suites' own Workers. */
const TEST_ENVIRONMENTS = new Set(["test", "e2e"]);

/**
 * Iterations for new password hashes. The test suites sign up hundreds of users, each costing a full PBKDF2 run,
 * so where `TUTTI_ENV` is `test` or `e2e` they may lower it with `TEST_PASSWORD_HASH_ITERATIONS`. Anywhere else the
 * setting is ignored, so a copied variable can never weaken real hashes. Verification always uses the count
 * stored with the hash.
 */
export function newHashIterations(env: { TUTTI_ENV?: string; TEST_PASSWORD_HASH_ITERATIONS?: string }): number {
  if (!TEST_ENVIRONMENTS.has(env.TUTTI_ENV ?? "") || env.TEST_PASSWORD_HASH_ITERATIONS === undefined) return PBKDF2_ITERATIONS;
  const lowered = Number(env.TEST_PASSWORD_HASH_ITERATIONS);
  return Number.isInteger(lowered) && lowered >= 1 && lowered <= PBKDF2_ITERATIONS ? lowered : PBKDF2_ITERATIONS;
}

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
 * The stored "hash" of an account that has no password (created by single sign-on or SCIM): no derivation equals
 * the empty string, so no password matches it, and checking one costs the same work as for any account. The person
 * signs in through their provider, or sets a password with a reset link sent to their address.
 */
export const NO_PASSWORD: PasswordHash = NO_ACCOUNT;

/** Whether the account has a password of its own (false for one made by single sign-on or SCIM and never reset). */
export const hasPassword = (account: { passwordHash: string }) => account.passwordHash !== NO_PASSWORD.hash;

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
