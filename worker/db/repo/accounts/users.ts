import { and, count, eq, lte } from "drizzle-orm";
import { addStatement, batchEverywhere, batchSides, tenantCtx, type Db, type ShardOf, type StatementsByDb, type TenantCtx } from "../../client";
import { auditLog, loginThrottle, rateLimits, sessions, teamMembers, teams, tenantMembers, tenants, users } from "../../schema";
import type { SessionAuthMethod } from "../../schema/enums";
import { newId, randomString } from "../../../lib/ids";
import type { PasswordHash } from "../../../lib/password";
import { sha256Hex } from "../../../lib/hash";
import { SESSION_TTL_MS } from "../../../lib/session-cookie";
import { auditInsert, type AuditSource } from "../platform/audit";
import { accountThrottleKey } from "./login-throttle";
import { deleteExpiredEmailTokens, retireEmailTokens } from "./email-tokens";
import { sessionEnded } from "./session-lifetime";
import { revokeTokensOfCreator } from "./tokens";
import { deleteExpiredPendingLogins } from "../sso/sign-ins";
import { deleteExpiredChallenges } from "./mfa-challenges";

/** Account-level reads: a user and the tenants they belong to exist before any tenant context. */
export async function findUserByEmail(db: Db, email: string) {
  const [user] = await db.select().from(users).where(eq(users.email, email)).limit(1);
  return user ?? null;
}

export async function findTenantBySlug(db: Db, slug: string) {
  const [tenant] = await db.select().from(tenants).where(eq(tenants.slug, slug)).limit(1);
  return tenant ?? null;
}

export async function findTenantById(db: Db, tenantId: string) {
  const [tenant] = await db.select().from(tenants).where(eq(tenants.id, tenantId)).limit(1);
  return tenant ?? null;
}

/** The signed-in user and the tenant of the context ("who am I"); either is null when it no longer exists. */
export async function userAndTenant(ctx: TenantCtx, userId: string) {
  const [[user], [tenant]] = await Promise.all([
    ctx.control.select().from(users).where(eq(users.id, userId)).limit(1),
    ctx.control.select().from(tenants).where(eq(tenants.id, ctx.tenantId)).limit(1),
  ]);
  return { user: user ?? null, tenant: tenant ?? null };
}

export async function membershipsOf(db: Db, userId: string) {
  return db
    .select({ tenantId: tenants.id, slug: tenants.slug, name: tenants.name, role: tenantMembers.role, shard: tenants.shard })
    .from(tenantMembers)
    .innerJoin(tenants, eq(tenants.id, tenantMembers.tenantId))
    .where(eq(tenantMembers.userId, userId))
    .orderBy(tenantMembers.createdAt);
}

export interface SignupInput {
  email: string;
  /** A new account (name and password hash), or the existing account of this e-mail whose password was checked. */
  account: { userId: null; name: string; password: PasswordHash } | { userId: string };
  tenantName: string;
  tenantSlug: string;
  teamName: string;
  teamSlug: string;
  ip: string | null;
  requestId: string;
}

/**
 * (User +) tenant + owner membership on the control database, then first team + audit entry on the tenant's shard.
 * Two databases are two batches: the control one goes first, since it is where a taken slug or e-mail fails
 * (completeSignup retries on those); should the shard batch fail, the control rows are taken back so the link's
 * next use starts over. With one database (`db` and `shard` the same) it is still the same two batches.
 */
export async function createSignup(db: Db, placement: { shard: string; db: Db }, input: SignupInput, now: number) {
  const isNew = input.account.userId === null;
  const userId = input.account.userId ?? newId("user");
  const tenantId = newId("tenant");
  const teamId = newId("team");
  const newUser =
    input.account.userId === null
      ? [
          db.insert(users).values({
            id: userId,
            email: input.email,
            name: input.account.name,
            passwordHash: input.account.password.hash,
            passwordSalt: input.account.password.salt,
            passwordIterations: input.account.password.iterations,
            emailVerifiedAt: now,
            createdAt: now,
          }),
        ]
      : [db.update(users).set({ emailVerifiedAt: now }).where(eq(users.id, userId))];
  await db.batch([
    db.insert(tenants).values({ id: tenantId, slug: input.tenantSlug, name: input.tenantName, shard: placement.shard, createdAt: now }),
    ...newUser,
    db.insert(tenantMembers).values({ tenantId, userId, role: "owner", createdAt: now }),
  ]);
  const shard = placement.db;
  const shardRows = shard.batch([
    shard.insert(teams).values({ tenantId, id: teamId, slug: input.teamSlug, name: input.teamName, createdAt: now }),
    shard.insert(teamMembers).values({ tenantId, teamId, userId, role: "maintainer", createdAt: now }),
    shard.insert(auditLog).values({
      tenantId,
      id: newId("audit"),
      at: now,
      actorType: "user",
      actorId: userId,
      actorLabel: input.email,
      action: "tenant.created",
      targetType: "tenant",
      targetId: tenantId,
      teamId,
      ip: input.ip,
      requestId: input.requestId,
      details: { slug: input.tenantSlug, first_team: input.teamSlug, existing_account: !isNew },
    }),
  ]);
  try {
    await shardRows;
  } catch (err) {
    await db.batch([
      db.delete(tenantMembers).where(eq(tenantMembers.tenantId, tenantId)),
      db.delete(tenants).where(eq(tenants.id, tenantId)),
      ...(isNew ? [db.delete(users).where(eq(users.id, userId))] : []),
    ]);
    throw err;
  }
  return { userId, tenantId, teamId };
}

/** Creates a session and returns the raw id (for the cookie) and its CSRF token; only the hash is stored. */
export async function createSession(db: Db, tenantId: string, userId: string, ip: string | null, now: number, authMethod: SessionAuthMethod = "password") {
  const rawId = randomString(40);
  const csrfToken = randomString(32);
  await db.insert(sessions).values({
    idHash: await sha256Hex(rawId),
    tenantId,
    userId,
    csrfToken,
    expiresAt: now + SESSION_TTL_MS,
    lastSeenAt: now,
    ip,
    authMethod,
    createdAt: now,
  });
  return { rawId, csrfToken, expiresAt: now + SESSION_TTL_MS };
}

export async function deleteSession(db: Db, rawId: string) {
  await db.delete(sessions).where(eq(sessions.idHash, await sha256Hex(rawId)));
}

/**
 * "Sign out everywhere": ends every session of the person in every tenant they belong to and, with
 * `revokeTokens`, revokes every API token they created there. One batch, one audit entry per tenant.
 */
export async function signOutEverywhere(db: Db, shardOf: (tenantId: string) => Promise<Db>, source: AuditSource, userId: string, revokeTokens: boolean) {
  const memberships = await membershipsOf(db, userId);
  let sessionsEnded = 0;
  let tokensRevoked = 0;
  // One pair of batches per workspace: each has its own shard for the audit entry (one batch where there are none).
  for (const m of memberships) {
    const ctx = tenantCtx(await shardOf(m.tenantId), m.tenantId, db);
    const own = and(eq(sessions.tenantId, m.tenantId), eq(sessions.userId, userId));
    const [{ n }] = await db.select({ n: count() }).from(sessions).where(own);
    const tokens = revokeTokens ? await revokeTokensOfCreator(ctx, source, userId, "sign_out_everywhere") : { control: [], shard: [], revoked: 0 };
    sessionsEnded += n;
    tokensRevoked += tokens.revoked;
    await batchSides(
      ctx,
      [db.delete(sessions).where(own), ...tokens.control],
      [
        ...tokens.shard,
        auditInsert(ctx, source, {
          action: "user.signed_out_everywhere",
          targetType: "user",
          targetId: userId,
          details: { sessions_ended: n, tokens_revoked: tokens.revoked },
        }),
      ],
    );
  }
  return { sessionsEnded, tokensRevoked };
}

/**
 * Housekeeping (the Worker's cron): deletes sessions past their absolute or idle end, login throttles quiet for
 * `throttleQuietMs`, rate-limit windows older than a day, expired e-mail links, SSO sign-ins never finished and
 * second steps (MFA sign-ins, passkey registrations) past their five minutes.
 * Returns how many rows of each went.
 */
export async function sweepEndedCredentials(db: Db, now: number, throttleQuietMs: number) {
  const [ended, throttles, windows, links, ssoSignIns, mfaSteps] = await db.batch([
    db.delete(sessions).where(sessionEnded(now)).returning({ id: sessions.idHash }),
    db
      .delete(loginThrottle)
      .where(lte(loginThrottle.lastAt, now - throttleQuietMs))
      .returning({ key: loginThrottle.key }),
    db
      .delete(rateLimits)
      .where(lte(rateLimits.windowStart, now - 86_400_000))
      .returning({ key: rateLimits.key }),
    deleteExpiredEmailTokens(db, now),
    deleteExpiredPendingLogins(db, now),
    deleteExpiredChallenges(db, now),
  ]);
  return {
    sessions: ended.length,
    loginThrottles: throttles.length,
    rateLimitWindows: windows.length,
    emailLinks: links.length,
    ssoSignIns: ssoSignIns.length,
    mfaChallenges: mfaSteps.length,
  };
}

/**
 * A password reset: the new password, every session of the person in every tenant ended, every other reset link of
 * the address retired and the account's sign-in throttle cleared (the link proved the address), in one batch on the
 * control database; then one audit entry per tenant, on each tenant's shard (batchEverywhere).
 */
export async function resetPassword(
  db: Db,
  shardOf: ShardOf,
  source: Omit<AuditSource, "principal">,
  user: { id: string; email: string },
  password: PasswordHash,
) {
  const memberships = await membershipsOf(db, user.id);
  const [{ n }] = await db.select({ n: count() }).from(sessions).where(eq(sessions.userId, user.id));
  const principal = { actor: { type: "user" as const, id: user.id, label: user.email } };
  const audits: StatementsByDb = new Map();
  for (const m of memberships) {
    const shard = shardOf(m.shard);
    addStatement(
      audits,
      shard,
      auditInsert(tenantCtx(shard, m.tenantId, db), { ...source, principal }, { action: "user.password_reset", targetType: "user", targetId: user.id }),
    );
  }
  await batchEverywhere(
    db,
    [
      db
        .update(users)
        .set({ passwordHash: password.hash, passwordSalt: password.salt, passwordIterations: password.iterations, emailVerifiedAt: source.now })
        .where(eq(users.id, user.id)),
      db.delete(sessions).where(eq(sessions.userId, user.id)),
      retireEmailTokens(db, user.email, "password_reset", source.now),
      db.delete(loginThrottle).where(eq(loginThrottle.key, accountThrottleKey(user.email))),
    ],
    audits,
  );
  return { sessionsEnded: n };
}
