import { and, eq, gt, isNull, lt, or } from "drizzle-orm";
import type { Db } from "../client";
import { apiTokens, sessions, teamMembers, tenantMembers, tenants, users } from "../schema";
import type { Principal } from "../../lib/principal";

/**
 * Resolving a credential is the one place that reads across tenants: the credential itself says
 * which tenant it belongs to. Everything after this goes through a TenantCtx.
 */
export async function principalFromSession(db: Db, idHash: string, now: number) {
  const [session] = await db
    .select({ s: sessions, tenantSlug: tenants.slug, userName: users.name, email: users.email, role: tenantMembers.role })
    .from(sessions)
    .innerJoin(tenants, eq(tenants.id, sessions.tenantId))
    .innerJoin(users, eq(users.id, sessions.userId))
    .innerJoin(tenantMembers, and(eq(tenantMembers.tenantId, sessions.tenantId), eq(tenantMembers.userId, sessions.userId)))
    .where(and(eq(sessions.idHash, idHash), gt(sessions.expiresAt, now)))
    .limit(1);
  if (!session) return null;
  const teamRows = await db
    .select({ teamId: teamMembers.teamId, role: teamMembers.role })
    .from(teamMembers)
    .where(and(eq(teamMembers.tenantId, session.s.tenantId), eq(teamMembers.userId, session.s.userId)));
  const principal: Principal = {
    tenantId: session.s.tenantId,
    tenantSlug: session.tenantSlug,
    actor: { type: "user", id: session.s.userId, label: session.email },
    userId: session.s.userId,
    role: session.role,
    teams: Object.fromEntries(teamRows.map((t) => [t.teamId, t.role])),
    scopes: "all",
    viaSession: true,
  };
  return { principal, csrfToken: session.s.csrfToken };
}

export async function principalFromToken(db: Db, tokenHash: string, now: number): Promise<Principal | null> {
  const [row] = await db
    .select({ t: apiTokens, tenantSlug: tenants.slug, role: tenantMembers.role })
    .from(apiTokens)
    .innerJoin(tenants, eq(tenants.id, apiTokens.tenantId))
    // A token dies with its creator's membership.
    .innerJoin(tenantMembers, and(eq(tenantMembers.tenantId, apiTokens.tenantId), eq(tenantMembers.userId, apiTokens.createdBy)))
    .where(and(eq(apiTokens.tokenHash, tokenHash), isNull(apiTokens.revokedAt), or(isNull(apiTokens.expiresAt), gt(apiTokens.expiresAt, now))))
    .limit(1);
  if (!row) return null;
  // last_used_at is advisory: write it at most once a minute per token.
  await db
    .update(apiTokens)
    .set({ lastUsedAt: now })
    .where(and(eq(apiTokens.tenantId, row.t.tenantId), eq(apiTokens.id, row.t.id), or(isNull(apiTokens.lastUsedAt), lt(apiTokens.lastUsedAt, now - 60_000))));
  return {
    tenantId: row.t.tenantId,
    tenantSlug: row.tenantSlug,
    actor: { type: "token", id: row.t.id, label: `${row.t.name} (${row.t.prefix}…)` },
    userId: row.t.createdBy,
    role: row.role === "viewer" ? "viewer" : "member",
    teams: { [row.t.teamId]: "member" },
    scopes: row.t.scopes,
    viaSession: false,
  };
}
