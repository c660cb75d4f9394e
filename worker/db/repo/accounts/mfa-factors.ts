import { and, eq, isNotNull, isNull, lt, or, sql } from "drizzle-orm";
import type { BatchItem } from "drizzle-orm/batch";
import { addStatement, batchEverywhere, tenantCtx, type Db, type ShardOf, type StatementsByDb, type TenantCtx } from "../../client";
import { tenantMembers, userPasskeys, userRecoveryCodes, userTotp } from "../../schema";
import type { Envelope } from "../../../lib/envelope";
import { auditInsert, type AuditEntry, type AuditSource } from "../platform/audit";
import { membershipsOf } from "./users";

/**
 * A person's second factors. They belong to the account, not to a workspace: every function takes the user id the
 * caller resolved from its own session or pending sign-in, never one from a request body.
 */

/** The AAD binding a sealed TOTP secret to its person, so envelopes cannot be moved between rows. */
export const totpSecretAad = (userId: string) => `mfa/${userId}/totp`;

export type TotpRow = typeof userTotp.$inferSelect;
export type PasskeyRow = typeof userPasskeys.$inferSelect;

export async function getTotp(db: Db, userId: string): Promise<TotpRow | null> {
  const [row] = await db.select().from(userTotp).where(eq(userTotp.userId, userId)).limit(1);
  return row ?? null;
}

/** What the person has: a confirmed authenticator app, passkeys, unused recovery codes. */
export async function factorSummary(db: Db, userId: string) {
  const [[totp], passkeys, [codes]] = await db.batch([
    db.select({ confirmedAt: userTotp.confirmedAt }).from(userTotp).where(eq(userTotp.userId, userId)).limit(1),
    db.select().from(userPasskeys).where(eq(userPasskeys.userId, userId)).orderBy(userPasskeys.createdAt),
    db
      .select({ n: sql<number>`count(*)` })
      .from(userRecoveryCodes)
      .where(and(eq(userRecoveryCodes.userId, userId), isNull(userRecoveryCodes.usedAt))),
  ]);
  return { totp: totp?.confirmedAt != null, totpPending: totp != null && totp.confirmedAt == null, passkeys, recoveryCodesLeft: codes?.n ?? 0 };
}

/** Whether the person has a second factor to sign in with (recovery codes alone are a fallback, not a factor). */
export async function hasSecondFactor(db: Db, userId: string): Promise<boolean> {
  const [row] = await db.all<{ has: number }>(sql`SELECT
    EXISTS (SELECT 1 FROM user_totp WHERE user_id = ${userId} AND confirmed_at IS NOT NULL)
    OR EXISTS (SELECT 1 FROM user_passkeys WHERE user_id = ${userId}) AS has`);
  return Boolean(row?.has);
}

/** Starts (or restarts) enrolment with a new sealed secret; a confirmed secret is never replaced. False when one is. */
export async function startTotpEnrolment(db: Db, userId: string, secret: Envelope, now: number): Promise<boolean> {
  const rows = await db
    .insert(userTotp)
    .values({ userId, secret, createdAt: now })
    .onConflictDoUpdate({ target: userTotp.userId, set: { secret, createdAt: now, lastStep: null }, setWhere: isNull(userTotp.confirmedAt) })
    .returning({ userId: userTotp.userId });
  return rows.length === 1;
}

/**
 * Confirms the enrolment whose secret the first code was checked against, marking that code's step used. One
 * statement: of two confirmations at once (or one racing a restarted enrolment) at most one applies.
 */
export async function confirmTotp(db: Db, userId: string, secret: Envelope, step: number, now: number): Promise<boolean> {
  const rows = await db
    .update(userTotp)
    .set({ confirmedAt: now, lastStep: step })
    .where(and(eq(userTotp.userId, userId), isNull(userTotp.confirmedAt), eq(userTotp.secret, secret)))
    .returning({ userId: userTotp.userId });
  return rows.length === 1;
}

/**
 * Marks a code's step used, in one statement that only moves forward: a replayed code, an earlier one still inside
 * the window, and the second of two copies arriving at the same moment all find nothing to update.
 */
export async function consumeTotpStep(db: Db, userId: string, step: number): Promise<boolean> {
  const rows = await db
    .update(userTotp)
    .set({ lastStep: step })
    .where(and(eq(userTotp.userId, userId), isNotNull(userTotp.confirmedAt), or(isNull(userTotp.lastStep), lt(userTotp.lastStep, step))))
    .returning({ userId: userTotp.userId });
  return rows.length === 1;
}

/**
 * Issues recovery codes (their hashes) when the person has none yet, as one statement so that two first factors
 * enrolled at once issue one set. True when these codes were stored.
 */
export async function issueFirstRecoveryCodes(db: Db, userId: string, hashes: string[], now: number): Promise<boolean> {
  const values = sql.join(
    hashes.map((h) => sql`(${userId}, ${h}, ${now})`),
    sql`, `,
  );
  const rows = await db.all(sql`INSERT INTO user_recovery_codes (user_id, code_hash, created_at)
    SELECT column1, column2, column3 FROM (VALUES ${values})
    WHERE NOT EXISTS (SELECT 1 FROM user_recovery_codes WHERE user_id = ${userId})
    RETURNING code_hash`);
  return rows.length === hashes.length;
}

/** Replaces every recovery code (used or not) with a new set. */
export const replaceRecoveryCodes = (db: Db, userId: string, hashes: string[], now: number): BatchItem<"sqlite">[] => [
  db.delete(userRecoveryCodes).where(eq(userRecoveryCodes.userId, userId)),
  db.insert(userRecoveryCodes).values(hashes.map((codeHash) => ({ userId, codeHash, createdAt: now }))),
];

/** Spends a recovery code: one conditional update, so a code works once even when two copies arrive together. */
export async function consumeRecoveryCode(db: Db, userId: string, codeHash: string, now: number): Promise<boolean> {
  const rows = await db
    .update(userRecoveryCodes)
    .set({ usedAt: now })
    .where(and(eq(userRecoveryCodes.userId, userId), eq(userRecoveryCodes.codeHash, codeHash), isNull(userRecoveryCodes.usedAt)))
    .returning({ codeHash: userRecoveryCodes.codeHash });
  return rows.length === 1;
}

export async function getPasskey(db: Db, userId: string, id: string): Promise<PasskeyRow | null> {
  const [row] = await db
    .select()
    .from(userPasskeys)
    .where(and(eq(userPasskeys.userId, userId), eq(userPasskeys.id, id)))
    .limit(1);
  return row ?? null;
}

/** Whether a passkey belongs to a member of the tenant (for telling a tenant's API token 403 rather than 404). */
export async function isTenantMembersPasskey(ctx: TenantCtx, id: string): Promise<boolean> {
  const [row] = await ctx.control
    .select({ id: userPasskeys.id })
    .from(userPasskeys)
    .innerJoin(tenantMembers, and(eq(tenantMembers.tenantId, ctx.tenantId), eq(tenantMembers.userId, userPasskeys.userId)))
    .where(eq(userPasskeys.id, id))
    .limit(1);
  return row != null;
}

export const listPasskeys = (db: Db, userId: string) => db.select().from(userPasskeys).where(eq(userPasskeys.userId, userId)).orderBy(userPasskeys.createdAt);

export const insertPasskey = (db: Db, row: typeof userPasskeys.$inferInsert) => db.insert(userPasskeys).values(row);

/**
 * Records a passkey's use with its new signature counter, only if the counter is still the one the assertion was
 * checked against (a racing use of the same passkey loses). Authenticators without a counter always report 0.
 */
export async function recordPasskeyUse(db: Db, userId: string, passkey: PasskeyRow, counter: number, now: number): Promise<boolean> {
  const rows = await db
    .update(userPasskeys)
    .set({ counter, lastUsedAt: now })
    .where(and(eq(userPasskeys.userId, userId), eq(userPasskeys.id, passkey.id), eq(userPasskeys.counter, passkey.counter)))
    .returning({ id: userPasskeys.id });
  return rows.length === 1;
}

export const deletePasskey = (db: Db, userId: string, id: string) =>
  db.delete(userPasskeys).where(and(eq(userPasskeys.userId, userId), eq(userPasskeys.id, id)));

export const deleteTotp = (db: Db, userId: string) => db.delete(userTotp).where(eq(userTotp.userId, userId));

/** Recovery codes go with the last factor: without one there is nothing for them to stand in for. */
export const deleteRecoveryCodesIfNoFactor = (db: Db, userId: string) =>
  db
    .delete(userRecoveryCodes)
    .where(
      and(
        eq(userRecoveryCodes.userId, userId),
        sql`NOT EXISTS (SELECT 1 FROM user_totp WHERE user_id = ${userId} AND confirmed_at IS NOT NULL)`,
        sql`NOT EXISTS (SELECT 1 FROM user_passkeys WHERE user_id = ${userId})`,
      ),
    );

/**
 * A change to a person's factors: its statements on the control database, where factors are, and an audit entry in
 * every workspace they belong to (factors work in all of them, as a password reset does), each on that workspace's
 * shard (batchEverywhere).
 */
export async function changeFactorsAudited(
  control: Db,
  shardOf: ShardOf,
  source: AuditSource,
  userId: string,
  entry: Omit<AuditEntry, "targetType" | "targetId">,
  statements: BatchItem<"sqlite">[] = [],
) {
  const audits: StatementsByDb = new Map();
  for (const m of await membershipsOf(control, userId)) {
    const shard = shardOf(m.shard);
    addStatement(audits, shard, auditInsert(tenantCtx(shard, m.tenantId, control), source, { ...entry, targetType: "user", targetId: userId }));
  }
  await batchEverywhere(control, statements, audits);
}
