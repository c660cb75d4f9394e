import { and, eq, gt, isNull, lt, or } from "drizzle-orm";
import type { Db, ShardOf } from "../../client";
import { apiTokens, sessions, teamMembers, tenantDeletions, tenantMembers, tenants, users } from "../../schema";
import type { TeamRole, TenantRole, TokenScope } from "../../schema/enums";
import type { Principal } from "../../../lib/principal";
import { SESSION_IDLE_MS, SESSION_TOUCH_MS } from "../../../lib/session-cookie";
import { sessionEnded, sessionLastSeen } from "./session-lifetime";
import { hasSecondFactor } from "./mfa-factors";

/**
 * What a credential of a tenant whose deletion has started resolves to: the tenant is locked from that moment
 * (worker/tenant-data/delete.ts), and the caller answers that the workspace is gone rather than that the credential is bad.
 */
export const TENANT_DELETED = "tenant_deleted" as const;

export type { ShardOf };

/** A viewer holds no write right anywhere: a team maintainer role they keep from before counts as plain membership. */
const effectiveTeamRole = (tenantRole: TenantRole, teamRole: TeamRole): TeamRole => (tenantRole === "viewer" ? "member" : teamRole);

/**
 * Resolving a credential is the one place that reads across tenants: the credential itself says
 * which tenant it belongs to. Everything after this goes through a TenantCtx.
 *
 * A session is valid until its absolute expiry and while used within the idle timeout; each use slides
 * `last_seen_at`, written at most once a minute. An ended session found here is deleted.
 */
export async function principalFromSession(db: Db, shardOf: ShardOf, idHash: string, now: number) {
  const [session] = await db
    .select({
      s: sessions,
      tenantSlug: tenants.slug,
      userName: users.name,
      email: users.email,
      role: tenantMembers.role,
      deletion: tenantDeletions.requestedAt,
      mfaRequired: tenants.mfaRequired,
      shard: tenants.shard,
    })
    .from(sessions)
    .innerJoin(tenants, eq(tenants.id, sessions.tenantId))
    .leftJoin(tenantDeletions, eq(tenantDeletions.tenantId, sessions.tenantId))
    .innerJoin(users, eq(users.id, sessions.userId))
    .innerJoin(tenantMembers, and(eq(tenantMembers.tenantId, sessions.tenantId), eq(tenantMembers.userId, sessions.userId)))
    .where(and(eq(sessions.idHash, idHash), gt(sessions.expiresAt, now), gt(sessionLastSeen, now - SESSION_IDLE_MS)))
    .limit(1);
  if (!session) {
    await db.delete(sessions).where(and(eq(sessions.idHash, idHash), sessionEnded(now)));
    return null;
  }
  if (session.deletion !== null) return TENANT_DELETED;
  const lastSeenAt = session.s.lastSeenAt ?? session.s.createdAt;
  // Only a workspace that requires a second factor of password sign-ins pays for looking at the person's factors.
  const mfaGate = session.mfaRequired && session.s.authMethod === "password";
  const shard = shardOf(session.shard);
  const [teamRows, , hasFactor] = await Promise.all([
    shard
      .select({ teamId: teamMembers.teamId, role: teamMembers.role })
      .from(teamMembers)
      .where(and(eq(teamMembers.tenantId, session.s.tenantId), eq(teamMembers.userId, session.s.userId))),
    // Most requests write nothing: the conditional update also keeps concurrent requests from writing twice.
    lastSeenAt < now - SESSION_TOUCH_MS
      ? db
          .update(sessions)
          .set({ lastSeenAt: now })
          .where(and(eq(sessions.idHash, idHash), lt(sessionLastSeen, now - SESSION_TOUCH_MS)))
      : null,
    mfaGate ? hasSecondFactor(db, session.s.userId) : true,
  ]);
  const principal: Principal = {
    tenantId: session.s.tenantId,
    tenantSlug: session.tenantSlug,
    actor: { type: "user", id: session.s.userId, label: session.email },
    userId: session.s.userId,
    role: session.role,
    teams: Object.fromEntries(teamRows.map((t) => [t.teamId, effectiveTeamRole(session.role, t.role)])),
    scopes: "all",
    viaSession: true,
  };
  return { principal, shard: session.shard, csrfToken: session.s.csrfToken, authMethod: session.s.authMethod, mfaMissing: !hasFactor };
}

/** Scopes a token may use: the ones it was given, cut to read when its creator is now a viewer. */
const effectiveScopes = (scopes: TokenScope[], creatorRole: TenantRole): TokenScope[] =>
  creatorRole === "viewer" ? scopes.filter((s) => s === "read") : scopes;

/**
 * A token acts with the intersection of its scopes and its creator's current rights, read on every request:
 * it needs the creator still in the tenant and still able to reach the token's team (a member of it, or a
 * tenant owner/admin), and a creator demoted to viewer leaves it read-only. Tokens are revoked outright when
 * their creator leaves the tenant or the team (repo/members.ts, repo/teams.ts), so a re-invitation revives none.
 */
export async function principalFromToken(
  db: Db,
  shardOf: ShardOf,
  tokenHash: string,
  now: number,
): Promise<{ principal: Principal; shard: string } | typeof TENANT_DELETED | null> {
  const [row] = await db
    .select({ t: apiTokens, tenantSlug: tenants.slug, shard: tenants.shard, role: tenantMembers.role, deletion: tenantDeletions.requestedAt })
    .from(apiTokens)
    .innerJoin(tenants, eq(tenants.id, apiTokens.tenantId))
    .leftJoin(tenantDeletions, eq(tenantDeletions.tenantId, apiTokens.tenantId))
    .innerJoin(tenantMembers, and(eq(tenantMembers.tenantId, apiTokens.tenantId), eq(tenantMembers.userId, apiTokens.createdBy)))
    .where(and(eq(apiTokens.tokenHash, tokenHash), isNull(apiTokens.revokedAt), or(isNull(apiTokens.expiresAt), gt(apiTokens.expiresAt, now))))
    .limit(1);
  if (!row) return null;
  if (row.deletion !== null) return TENANT_DELETED;
  // Team membership is the tenant's data, on its shard: a second query (owners and admins reach every team without it).
  const ownerOrAdmin = row.role === "owner" || row.role === "admin";
  const [teamRole] = ownerOrAdmin
    ? [true]
    : await shardOf(row.shard)
        .select({ role: teamMembers.role })
        .from(teamMembers)
        .where(and(eq(teamMembers.tenantId, row.t.tenantId), eq(teamMembers.teamId, row.t.teamId), eq(teamMembers.userId, row.t.createdBy)))
        .limit(1);
  if (!teamRole) return null;
  // last_used_at is advisory: write it at most once a minute per token.
  await db
    .update(apiTokens)
    .set({ lastUsedAt: now })
    .where(and(eq(apiTokens.tenantId, row.t.tenantId), eq(apiTokens.id, row.t.id), or(isNull(apiTokens.lastUsedAt), lt(apiTokens.lastUsedAt, now - 60_000))));
  const principal: Principal = {
    tenantId: row.t.tenantId,
    tenantSlug: row.tenantSlug,
    actor: { type: "token", id: row.t.id, label: `${row.t.name} (${row.t.prefix}…)` },
    userId: row.t.createdBy,
    role: row.role === "viewer" ? "viewer" : "member",
    teams: { [row.t.teamId]: "member" },
    scopes: effectiveScopes(row.t.scopes, row.role),
    viaSession: false,
  };
  return { principal, shard: row.shard };
}
