import { and, eq, gt, isNull, lte } from "drizzle-orm";
import type { Db } from "../../client";
import { emailTokens, type PendingSignup } from "../../schema";
import type { EmailTokenPurpose } from "../../schema/enums";

export type EmailToken = typeof emailTokens.$inferSelect;

export async function insertEmailToken(
  db: Db,
  row: { tokenHash: string; purpose: EmailTokenPurpose; email: string; userId: string | null; signup: PendingSignup | null; expiresAt: number; now: number },
) {
  const { now, ...rest } = row;
  await db.insert(emailTokens).values({ ...rest, consumedAt: null, createdAt: now });
}

/**
 * Uses a link's token: one conditional UPDATE marks it consumed only while it is unused and unexpired, so of two
 * uses at the same moment exactly one gets the row back. Null for unknown, used, expired or other-purpose tokens.
 */
export async function consumeEmailToken(db: Db, tokenHash: string, purpose: EmailTokenPurpose, now: number): Promise<EmailToken | null> {
  const [row] = await db
    .update(emailTokens)
    .set({ consumedAt: now })
    .where(and(eq(emailTokens.tokenHash, tokenHash), eq(emailTokens.purpose, purpose), isNull(emailTokens.consumedAt), gt(emailTokens.expiresAt, now)))
    .returning();
  return row ?? null;
}

/** Retires every unused token of `purpose` for an address (statement for a batch): a new password voids older reset links. */
export const retireEmailTokens = (db: Db, email: string, purpose: EmailTokenPurpose, now: number) =>
  db
    .update(emailTokens)
    .set({ consumedAt: now })
    .where(and(eq(emailTokens.email, email), eq(emailTokens.purpose, purpose), isNull(emailTokens.consumedAt)));

/** Housekeeping: expired tokens are of no use to anyone (statement for a batch). */
export const deleteExpiredEmailTokens = (db: Db, now: number) =>
  db.delete(emailTokens).where(lte(emailTokens.expiresAt, now)).returning({ hash: emailTokens.tokenHash });
