import { eq, sql, type SQL } from "drizzle-orm";
import type { Db } from "../../client";
import { loginThrottle } from "../../schema";

/** The throttle key of an account's sign-in attempts (the e-mail, whether or not an account has it). */
export const accountThrottleKey = (email: string) => `login:account:${email}`;

/** How one kind of key (an account, an address) is throttled. */
export interface ThrottlePolicy {
  /** Attempts allowed without any delay. */
  free: number;
  /** Delay after the first attempt beyond the free ones; each further attempt doubles it. */
  baseMs: number;
  /** The delay never exceeds this, so nobody can be locked out for longer. */
  capMs: number;
  /** A key with no attempt for this long starts over. */
  quietMs: number;
}

/** The delay that follows attempt number `n` (SQL): none within the free attempts, then base·2^k up to the cap. */
const delayAfter = (n: SQL, p: ThrottlePolicy) =>
  sql`(CASE WHEN ${n} <= ${p.free} THEN 0 ELSE MIN(${p.capMs}, ${p.baseMs} * (1 << MIN(${n} - ${p.free} - 1, 40))) END)`;

/**
 * Counts one attempt for `key` if its delay has passed, in one statement, so concurrent attempts cannot slip
 * through together: each one that is allowed pushes `next_at` for the next. Returns `null` when allowed, else
 * the milliseconds still to wait.
 */
export async function chargeAttempt(db: Db, key: string, now: number, p: ThrottlePolicy): Promise<number | null> {
  const attempt = sql`(CASE WHEN login_throttle.last_at <= ${now - p.quietMs} THEN 1 ELSE login_throttle.attempts + 1 END)`;
  const charged = await db.all<{ attempts: number }>(sql`
    INSERT INTO login_throttle (key, attempts, next_at, last_at) VALUES (${key}, 1, ${now} + ${delayAfter(sql`1`, p)}, ${now})
    ON CONFLICT (key) DO UPDATE SET attempts = ${attempt}, next_at = ${now} + ${delayAfter(attempt, p)}, last_at = ${now}
    WHERE login_throttle.next_at <= ${now}
    RETURNING attempts`);
  if (charged.length) return null;
  const [row] = await db.select({ nextAt: loginThrottle.nextAt }).from(loginThrottle).where(eq(loginThrottle.key, key));
  return Math.max(1, (row?.nextAt ?? now) - now);
}

/** The account proved its password: its count starts over. */
export async function clearAttempts(db: Db, key: string) {
  await db.delete(loginThrottle).where(eq(loginThrottle.key, key));
}

/** A successful attempt from an address is not held against it (a shared office address signs in often). */
export async function refundAttempt(db: Db, key: string) {
  await db
    .update(loginThrottle)
    .set({ attempts: sql`MAX(${loginThrottle.attempts} - 1, 0)` })
    .where(eq(loginThrottle.key, key));
}
