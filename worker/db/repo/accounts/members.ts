import { and, asc, eq } from "drizzle-orm";
import type { BatchItem } from "drizzle-orm/batch";
import { batchSides, type TenantCtx } from "../../client";
import { sessions, teamMembers, teams, tenantMembers, users } from "../../schema";
import type { TeamRole, TenantRole } from "../../schema/enums";
import { auditInsert, type AuditSource } from "../platform/audit";
import { revokeTokensOfCreator } from "./tokens";

export interface TenantMember {
  userId: string;
  email: string;
  name: string;
  role: TenantRole;
  teams: Array<{ id: string; name: string; role: TeamRole }>;
}

const memberKey = (ctx: TenantCtx, userId: string) => and(eq(tenantMembers.tenantId, ctx.tenantId), eq(tenantMembers.userId, userId));

/** Members of the tenant (or just `onlyUserId`) with the teams they belong to. */
async function loadMembers(ctx: TenantCtx, onlyUserId?: string): Promise<TenantMember[]> {
  const peopleWhere = onlyUserId ? memberKey(ctx, onlyUserId) : eq(tenantMembers.tenantId, ctx.tenantId);
  const teamWhere = onlyUserId ? and(eq(teamMembers.tenantId, ctx.tenantId), eq(teamMembers.userId, onlyUserId)) : eq(teamMembers.tenantId, ctx.tenantId);
  // People and their workspace roles are on the control database, team memberships on the tenant's shard.
  const [people, memberships] = await Promise.all([
    ctx.control
      .select({ userId: users.id, email: users.email, name: users.name, role: tenantMembers.role })
      .from(tenantMembers)
      .innerJoin(users, eq(users.id, tenantMembers.userId))
      .where(peopleWhere)
      .orderBy(asc(users.name), asc(users.email)),
    ctx.db
      .select({ userId: teamMembers.userId, id: teams.id, name: teams.name, role: teamMembers.role })
      .from(teamMembers)
      .innerJoin(teams, and(eq(teams.tenantId, teamMembers.tenantId), eq(teams.id, teamMembers.teamId)))
      .where(teamWhere)
      .orderBy(asc(teams.name)),
  ]);
  const byUser = new Map<string, TenantMember["teams"]>();
  for (const m of memberships) {
    const list = byUser.get(m.userId) ?? [];
    list.push({ id: m.id, name: m.name, role: m.role });
    byUser.set(m.userId, list);
  }
  return people.map((p) => ({ ...p, teams: byUser.get(p.userId) ?? [] }));
}

export const listTenantMembers = (ctx: TenantCtx) => loadMembers(ctx);

export async function getTenantMember(ctx: TenantCtx, userId: string): Promise<TenantMember | null> {
  const [member] = await loadMembers(ctx, userId);
  return member ?? null;
}

/** Whether someone with this e-mail already belongs to the tenant. */
export async function isTenantMemberEmail(ctx: TenantCtx, email: string): Promise<boolean> {
  const [row] = await ctx.control
    .select({ userId: tenantMembers.userId })
    .from(tenantMembers)
    .innerJoin(users, eq(users.id, tenantMembers.userId))
    .where(and(eq(tenantMembers.tenantId, ctx.tenantId), eq(users.email, email)))
    .limit(1);
  return row != null;
}

export async function countOwners(ctx: TenantCtx): Promise<number> {
  const rows = await ctx.control
    .select({ userId: tenantMembers.userId })
    .from(tenantMembers)
    .where(and(eq(tenantMembers.tenantId, ctx.tenantId), eq(tenantMembers.role, "owner")));
  return rows.length;
}

export async function updateTenantMemberRole(ctx: TenantCtx, source: AuditSource, member: TenantMember, role: TenantRole) {
  await batchSides(
    ctx,
    [ctx.control.update(tenantMembers).set({ role }).where(memberKey(ctx, member.userId))],
    [
      auditInsert(ctx, source, {
        action: "member.role_changed",
        targetType: "user",
        targetId: member.userId,
        details: { email: member.email, from: member.role, to: role },
      }),
    ],
  );
}

/**
 * The statements that take the user out of the tenant: membership, team memberships, sessions and the API tokens
 * they created go together, with the `member.removed` entry. Tokens are revoked, not just left unresolvable, so
 * inviting the person again revives none of them. Callers put them in one batch with whatever else the removal is
 * part of (SCIM deprovisioning adds its own row and entry).
 */
export async function tenantMemberRemoval(
  ctx: TenantCtx,
  source: AuditSource,
  member: Pick<TenantMember, "userId" | "email" | "role">,
  reason: "creator_removed_from_tenant" | "deprovisioned" = "creator_removed_from_tenant",
): Promise<{ control: BatchItem<"sqlite">[]; shard: BatchItem<"sqlite">[] }> {
  const tokens = await revokeTokensOfCreator(ctx, source, member.userId, reason);
  return {
    control: [
      ctx.control.delete(sessions).where(and(eq(sessions.tenantId, ctx.tenantId), eq(sessions.userId, member.userId))),
      ctx.control.delete(tenantMembers).where(memberKey(ctx, member.userId)),
      ...tokens.control,
    ],
    shard: [
      ctx.db.delete(teamMembers).where(and(eq(teamMembers.tenantId, ctx.tenantId), eq(teamMembers.userId, member.userId))),
      ...tokens.shard,
      auditInsert(ctx, source, {
        action: "member.removed",
        targetType: "user",
        targetId: member.userId,
        details: { email: member.email, role: member.role, tokens_revoked: tokens.revoked, ...(reason === "deprovisioned" ? { reason } : {}) },
      }),
    ],
  };
}

/** Removes the user from the tenant (tenantMemberRemoval), in one batch. */
export async function removeTenantMember(ctx: TenantCtx, source: AuditSource, member: TenantMember) {
  const { control, shard } = await tenantMemberRemoval(ctx, source, member);
  await batchSides(ctx, control, shard);
}
