import { and, asc, count, eq, inArray, type SQL } from "drizzle-orm";
import type { BatchItem } from "drizzle-orm/batch";
import type { TenantCtx } from "../../client";
import { scimGroupMembers, scimGroups, scimUsers, teamMembers, tenantMembers, users } from "../../schema";
import type { TenantRole } from "../../schema/enums";
import { NO_PASSWORD } from "../../../lib/password";
import { auditInsert, type AuditSource } from "../platform/audit";

export type ScimUserRow = typeof scimUsers.$inferSelect;

/**
 * SCIM's own tables, people and memberships are on the control database; team memberships and audit entries on the
 * tenant's shard. Writes are built as the two lists batchSides sends, control first.
 */
export interface SideStatements {
  control: BatchItem<"sqlite">[];
  shard: BatchItem<"sqlite">[];
}

/** Columns a SCIM filter may compare (filter.ts maps the SCIM attribute names to these). */
export type ScimUserFilter = { attribute: "userName" | "externalId" | "id"; value: string } | null;

function userFilter(ctx: TenantCtx, f: ScimUserFilter): SQL {
  const tenant = eq(scimUsers.tenantId, ctx.tenantId);
  if (!f) return tenant;
  // userName is not case-exact (RFC 7643 §4.1.1); it is stored lowercased.
  if (f.attribute === "userName") return and(tenant, eq(scimUsers.userName, f.value.toLowerCase()))!;
  if (f.attribute === "externalId") return and(tenant, eq(scimUsers.externalId, f.value))!;
  return and(tenant, eq(scimUsers.id, f.value))!;
}

export async function listScimUsers(ctx: TenantCtx, f: ScimUserFilter, page: { offset: number; count: number }) {
  const where = userFilter(ctx, f);
  const [[{ n }], rows] = await Promise.all([
    ctx.control.select({ n: count() }).from(scimUsers).where(where),
    page.count === 0
      ? Promise.resolve([] as ScimUserRow[])
      : ctx.control.select().from(scimUsers).where(where).orderBy(asc(scimUsers.createdAt), asc(scimUsers.id)).limit(page.count).offset(page.offset),
  ]);
  return { total: n, rows };
}

export async function getScimUser(ctx: TenantCtx, id: string): Promise<ScimUserRow | null> {
  const [row] = await ctx.control
    .select()
    .from(scimUsers)
    .where(and(eq(scimUsers.tenantId, ctx.tenantId), eq(scimUsers.id, id)))
    .limit(1);
  return row ?? null;
}

/** The groups a SCIM user is in (for the resource's read-only `groups`). */
export async function groupsOfScimUser(ctx: TenantCtx, scimUserId: string) {
  return ctx.control
    .select({ id: scimGroups.id, displayName: scimGroups.displayName })
    .from(scimGroupMembers)
    .innerJoin(scimGroups, and(eq(scimGroups.tenantId, scimGroupMembers.tenantId), eq(scimGroups.id, scimGroupMembers.groupId)))
    .where(and(eq(scimGroupMembers.tenantId, ctx.tenantId), eq(scimGroupMembers.scimUserId, scimUserId)))
    .orderBy(asc(scimGroups.displayName));
}

/** The account with this address, and whether it is a member of the tenant already. */
export async function accountByEmail(ctx: TenantCtx, email: string) {
  const [row] = await ctx.control
    .select({ id: users.id, email: users.email, name: users.name, role: tenantMembers.role })
    .from(users)
    .leftJoin(tenantMembers, and(eq(tenantMembers.tenantId, ctx.tenantId), eq(tenantMembers.userId, users.id)))
    .where(eq(users.email, email))
    .limit(1);
  return row ?? null;
}

/** How many tenants an account belongs to (its address may be changed from here only when it is this one alone). */
export async function tenantCountOf(ctx: TenantCtx, userId: string): Promise<number> {
  const [{ n }] = await ctx.control.select({ n: count() }).from(tenantMembers).where(eq(tenantMembers.userId, userId));
  return n;
}

/** Statements creating the account (when new) and the SCIM row; membership is added by `joinStatements`. */
export function insertScimUserStatements(ctx: TenantCtx, now: number, row: ScimUserRow, newAccount: { name: string } | null): BatchItem<"sqlite">[] {
  return [
    ...(newAccount
      ? [
          ctx.control.insert(users).values({
            id: row.userId,
            email: row.userName,
            name: newAccount.name,
            passwordHash: NO_PASSWORD.hash,
            passwordSalt: NO_PASSWORD.salt,
            passwordIterations: NO_PASSWORD.iterations,
            createdAt: now,
          }),
        ]
      : []),
    ctx.control.insert(scimUsers).values(row),
  ];
}

/** Teams of the SCIM groups a person is in. */
export async function teamsOfScimUser(ctx: TenantCtx, scimUserId: string): Promise<string[]> {
  const rows = await ctx.control
    .select({ teamId: scimGroups.teamId })
    .from(scimGroupMembers)
    .innerJoin(scimGroups, and(eq(scimGroups.tenantId, scimGroupMembers.tenantId), eq(scimGroups.id, scimGroupMembers.groupId)))
    .where(and(eq(scimGroupMembers.tenantId, ctx.tenantId), eq(scimGroupMembers.scimUserId, scimUserId)));
  return rows.map((r) => r.teamId);
}

/**
 * Membership of an active person: the tenant (with `role`, unless they are a member already: control database) and
 * `teamIds`, the teams of the SCIM groups they are in (the tenant's shard). Both idempotent, so a retry rewrites them.
 */
export function joinStatements(ctx: TenantCtx, now: number, userId: string, role: TenantRole, teamIds: string[]): SideStatements {
  return {
    control: [ctx.control.insert(tenantMembers).values({ tenantId: ctx.tenantId, userId, role, createdAt: now }).onConflictDoNothing()],
    shard: teamMembershipStatements(ctx, now, teamIds, userId),
  };
}

/** Writes the row's new values and raises its version (the ETag). */
export function updateScimUserStatement(ctx: TenantCtx, now: number, row: ScimUserRow) {
  const { tenantId: _t, id, createdAt: _c, version, ...values } = row;
  return ctx.control
    .update(scimUsers)
    .set({ ...values, version: version + 1, updatedAt: now })
    .where(and(eq(scimUsers.tenantId, ctx.tenantId), eq(scimUsers.id, id)));
}

export function deleteScimUserStatements(ctx: TenantCtx, id: string): BatchItem<"sqlite">[] {
  return [
    ctx.control.delete(scimGroupMembers).where(and(eq(scimGroupMembers.tenantId, ctx.tenantId), eq(scimGroupMembers.scimUserId, id))),
    ctx.control.delete(scimUsers).where(and(eq(scimUsers.tenantId, ctx.tenantId), eq(scimUsers.id, id))),
  ];
}

export function renameAccountStatement(ctx: TenantCtx, userId: string, email: string) {
  return ctx.control.update(users).set({ email }).where(eq(users.id, userId));
}

export const scimAudit = (ctx: TenantCtx, source: AuditSource, action: string, id: string, details: Record<string, unknown>) =>
  auditInsert(ctx, source, { action, targetType: "scim_user", targetId: id, details });

/** One person joins teams as a plain member (kept as they are where they are members already). */
function teamMembershipStatements(ctx: TenantCtx, now: number, teamIds: string[], userId: string): BatchItem<"sqlite">[] {
  if (!teamIds.length) return [];
  return [
    ctx.db
      .insert(teamMembers)
      .values(teamIds.map((teamId) => ({ tenantId: ctx.tenantId, teamId, userId, role: "member" as const, createdAt: now })))
      .onConflictDoNothing(),
  ];
}

/** People join and leave one team (a SCIM group's members changing): statements for the tenant's shard. */
export function teamChangeStatements(ctx: TenantCtx, now: number, teamId: string, add: string[], remove: string[]): BatchItem<"sqlite">[] {
  return [
    ...(add.length
      ? [
          ctx.db
            .insert(teamMembers)
            .values(add.map((userId) => ({ tenantId: ctx.tenantId, teamId, userId, role: "member" as const, createdAt: now })))
            .onConflictDoNothing(),
        ]
      : []),
    ...(remove.length
      ? [ctx.db.delete(teamMembers).where(and(eq(teamMembers.tenantId, ctx.tenantId), eq(teamMembers.teamId, teamId), inArray(teamMembers.userId, remove)))]
      : []),
  ];
}
