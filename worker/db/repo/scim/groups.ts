import { and, asc, count, eq, inArray, type SQL } from "drizzle-orm";
import type { BatchItem } from "drizzle-orm/batch";
import type { TenantCtx } from "../../client";
import { scimGroupMembers, scimGroups, scimUsers, tenantMembers } from "../../schema";
import { auditInsert, type AuditSource } from "../platform/audit";

export type ScimGroupRow = typeof scimGroups.$inferSelect;
export type ScimGroupFilter = { attribute: "displayName" | "externalId" | "id"; value: string } | null;

function groupFilter(ctx: TenantCtx, f: ScimGroupFilter): SQL {
  const tenant = eq(scimGroups.tenantId, ctx.tenantId);
  if (!f) return tenant;
  if (f.attribute === "displayName") return and(tenant, eq(scimGroups.displayName, f.value))!;
  if (f.attribute === "externalId") return and(tenant, eq(scimGroups.externalId, f.value))!;
  return and(tenant, eq(scimGroups.id, f.value))!;
}

export async function listScimGroups(ctx: TenantCtx, f: ScimGroupFilter, page: { offset: number; count: number }) {
  const where = groupFilter(ctx, f);
  const [[{ n }], rows] = await Promise.all([
    ctx.control.select({ n: count() }).from(scimGroups).where(where),
    page.count === 0
      ? Promise.resolve([] as ScimGroupRow[])
      : ctx.control.select().from(scimGroups).where(where).orderBy(asc(scimGroups.createdAt), asc(scimGroups.id)).limit(page.count).offset(page.offset),
  ]);
  return { total: n, rows };
}

export async function getScimGroup(ctx: TenantCtx, id: string): Promise<ScimGroupRow | null> {
  const [row] = await ctx.control
    .select()
    .from(scimGroups)
    .where(and(eq(scimGroups.tenantId, ctx.tenantId), eq(scimGroups.id, id)))
    .limit(1);
  return row ?? null;
}

/** Members of groups with their SCIM user name, for the resources' `members`. */
export async function membersOfGroups(ctx: TenantCtx, groupIds: string[]) {
  if (!groupIds.length) return [];
  return ctx.control
    .select({ groupId: scimGroupMembers.groupId, id: scimUsers.id, userName: scimUsers.userName, userId: scimUsers.userId, active: scimUsers.active })
    .from(scimGroupMembers)
    .innerJoin(scimUsers, and(eq(scimUsers.tenantId, scimGroupMembers.tenantId), eq(scimUsers.id, scimGroupMembers.scimUserId)))
    .where(and(eq(scimGroupMembers.tenantId, ctx.tenantId), inArray(scimGroupMembers.groupId, groupIds)))
    .orderBy(asc(scimUsers.userName));
}

/** SCIM users of the tenant among `ids`, with whether their account is a member of the tenant now. */
export async function scimUsersByIds(ctx: TenantCtx, ids: string[]) {
  if (!ids.length) return [];
  return ctx.control
    .select({ id: scimUsers.id, userId: scimUsers.userId, active: scimUsers.active, role: tenantMembers.role })
    .from(scimUsers)
    .leftJoin(tenantMembers, and(eq(tenantMembers.tenantId, scimUsers.tenantId), eq(tenantMembers.userId, scimUsers.userId)))
    .where(and(eq(scimUsers.tenantId, ctx.tenantId), inArray(scimUsers.id, ids)));
}

export function insertScimGroupStatement(ctx: TenantCtx, row: ScimGroupRow) {
  return ctx.control.insert(scimGroups).values(row);
}

export function updateScimGroupStatement(ctx: TenantCtx, now: number, row: ScimGroupRow) {
  return ctx.control
    .update(scimGroups)
    .set({ displayName: row.displayName, externalId: row.externalId, version: row.version + 1, updatedAt: now })
    .where(and(eq(scimGroups.tenantId, ctx.tenantId), eq(scimGroups.id, row.id)));
}

export function groupMembershipStatements(ctx: TenantCtx, now: number, groupId: string, add: string[], remove: string[]): BatchItem<"sqlite">[] {
  return [
    ...(add.length
      ? [
          ctx.control
            .insert(scimGroupMembers)
            .values(add.map((scimUserId) => ({ tenantId: ctx.tenantId, groupId, scimUserId, createdAt: now })))
            .onConflictDoNothing(),
        ]
      : []),
    ...(remove.length
      ? [
          ctx.control
            .delete(scimGroupMembers)
            .where(and(eq(scimGroupMembers.tenantId, ctx.tenantId), eq(scimGroupMembers.groupId, groupId), inArray(scimGroupMembers.scimUserId, remove))),
        ]
      : []),
  ];
}

export function deleteScimGroupStatements(ctx: TenantCtx, id: string): BatchItem<"sqlite">[] {
  return [
    ctx.control.delete(scimGroupMembers).where(and(eq(scimGroupMembers.tenantId, ctx.tenantId), eq(scimGroupMembers.groupId, id))),
    ctx.control.delete(scimGroups).where(and(eq(scimGroups.tenantId, ctx.tenantId), eq(scimGroups.id, id))),
  ];
}

export const scimGroupAudit = (ctx: TenantCtx, source: AuditSource, action: string, id: string, teamId: string, details: Record<string, unknown>) =>
  auditInsert(ctx, source, { action, targetType: "scim_group", targetId: id, teamId, details });
