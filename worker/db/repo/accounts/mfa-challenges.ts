import { and, eq, gt, lte, sql } from "drizzle-orm";
import type { Db } from "../../client";
import { mfaChallenges } from "../../schema";
import type { MfaChallengeKind } from "../../schema/enums";

export type MfaChallenge = typeof mfaChallenges.$inferSelect;

export async function insertChallenge(db: Db, row: typeof mfaChallenges.$inferInsert) {
  await db.insert(mfaChallenges).values(row);
}

/** A live challenge of this kind by the hash of its token; null when unknown, used or expired. */
export async function findChallenge(db: Db, kind: MfaChallengeKind, tokenHash: string, now: number): Promise<MfaChallenge | null> {
  const [row] = await db
    .select()
    .from(mfaChallenges)
    .where(and(eq(mfaChallenges.tokenHash, tokenHash), eq(mfaChallenges.kind, kind), gt(mfaChallenges.expiresAt, now)))
    .limit(1);
  return row ?? null;
}

/**
 * Takes a challenge for good: deleted as it is read, so of two copies at most one gets it. `userId` binds it to its
 * person; `webauthnChallenge` (when given) to the passkey assertion that was checked. Null when unknown, used,
 * expired or someone else's.
 */
export async function claimChallenge(
  db: Db,
  kind: MfaChallengeKind,
  tokenHash: string,
  userId: string,
  now: number,
  webauthnChallenge?: string,
): Promise<MfaChallenge | null> {
  const [row] = await db
    .delete(mfaChallenges)
    .where(
      and(
        eq(mfaChallenges.tokenHash, tokenHash),
        eq(mfaChallenges.kind, kind),
        eq(mfaChallenges.userId, userId),
        webauthnChallenge === undefined ? undefined : eq(mfaChallenges.webauthnChallenge, webauthnChallenge),
      ),
    )
    .returning();
  return row && row.expiresAt > now ? row : null;
}

/** Sets the passkey assertion challenge of a sign-in under way (a new request replaces the old one). */
export async function setWebauthnChallenge(db: Db, tokenHash: string, challenge: string, now: number): Promise<boolean> {
  const rows = await db
    .update(mfaChallenges)
    .set({ webauthnChallenge: challenge })
    .where(and(eq(mfaChallenges.tokenHash, tokenHash), eq(mfaChallenges.kind, "sign_in"), gt(mfaChallenges.expiresAt, now)))
    .returning({ tokenHash: mfaChallenges.tokenHash });
  return rows.length === 1;
}

/**
 * Counts a wrong second factor against the sign-in; at `max` failures the challenge is deleted (the password must be
 * given again). Returns the failures so far, or null when the challenge was already gone.
 */
export async function recordChallengeFailure(db: Db, tokenHash: string, max: number): Promise<number | null> {
  const [row] = await db
    .update(mfaChallenges)
    .set({ failures: sql`${mfaChallenges.failures} + 1` })
    .where(eq(mfaChallenges.tokenHash, tokenHash))
    .returning({ failures: mfaChallenges.failures });
  if (!row) return null;
  if (row.failures >= max) await db.delete(mfaChallenges).where(eq(mfaChallenges.tokenHash, tokenHash));
  return row.failures;
}

export const deleteExpiredChallenges = (db: Db, now: number) =>
  db.delete(mfaChallenges).where(lte(mfaChallenges.expiresAt, now)).returning({ id: mfaChallenges.tokenHash });
