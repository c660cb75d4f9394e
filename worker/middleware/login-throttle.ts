import type { Context } from "hono";
import type { AppEnv } from "../context";
import { accountThrottleKey, chargeAttempt, clearAttempts, refundAttempt, type ThrottlePolicy } from "../db/repo/accounts/login-throttle";
import { ApiError } from "../lib/errors";
import { clientIp } from "../lib/request";

/** Longest wait ever asked of anyone: an attacker can slow an account's sign-in, never lock it for long. */
export const LOGIN_DELAY_CAP_MS = 15 * 60_000;
/** A key with no attempt for a day starts over (housekeeping deletes it). */
export const LOGIN_THROTTLE_QUIET_MS = 86_400_000;
/** An address gets this many times an account's free attempts: offices and CI share addresses. */
const ADDRESS_FACTOR = 10;

function policies(c: Context<AppEnv>): { account: ThrottlePolicy; address: ThrottlePolicy } {
  const free = Math.max(1, Number(c.env.LOGIN_FREE_ATTEMPTS ?? 5) || 5);
  const base = { baseMs: 1000, capMs: LOGIN_DELAY_CAP_MS, quietMs: LOGIN_THROTTLE_QUIET_MS };
  return { account: { ...base, free }, address: { ...base, free: free * ADDRESS_FACTOR } };
}

function tooSoon(waitMs: number): never {
  throw new ApiError("rate_limited", "too many sign-in attempts; try again later", [], { "Retry-After": String(Math.ceil(waitMs / 1000)) });
}

/**
 * Counts a password attempt (login, sign-up, accepting an invitation) against the client's address and the
 * e-mail, known or not, so the answer never says whether an account exists. Beyond the free attempts each
 * further one must wait a doubling delay (capped), answered 429 with Retry-After — also with the right
 * password. Call `succeeded()` once the password proved right: the account starts over, the address is refunded.
 */
export const chargePasswordAttempt = (c: Context<AppEnv>, email: string) => chargeSignInAttempt(c, accountThrottleKey(email));

/**
 * Counts a second-factor attempt (a code or passkey at sign-in, a re-authentication) against the client's address
 * and the person, under its own key: proving the password does not clear it, so guessing codes stays slow however
 * often the password is given again.
 */
export const chargeSecondFactorAttempt = (c: Context<AppEnv>, userId: string) => chargeSignInAttempt(c, `mfa:account:${userId}`);

async function chargeSignInAttempt(c: Context<AppEnv>, accountKey: string) {
  const db = c.get("controlDb");
  const now = c.get("clock").now();
  const p = policies(c);
  const addressKey = `login:ip:${clientIp(c) ?? "unknown"}`;
  const addressWait = await chargeAttempt(db, addressKey, now, p.address);
  if (addressWait !== null) tooSoon(addressWait);
  const accountWait = await chargeAttempt(db, accountKey, now, p.account);
  if (accountWait !== null) tooSoon(accountWait);
  return {
    succeeded: () => Promise.all([clearAttempts(db, accountKey), refundAttempt(db, addressKey)]),
  };
}
