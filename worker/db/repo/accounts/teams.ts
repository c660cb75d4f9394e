import { and, asc, eq, gt, inArray, or, sql, type SQL } from "drizzle-orm";
import { batchSides, type TenantCtx } from "../../client";
import { teamMembers, teams, tenantMembers, users } from "../../schema";
import type { TeamRole } from "../../schema/enums";
import { newId } from "../../../lib/ids";
import { auditInsert, type AuditSource } from "../platform/audit";
import { revokeTokensOfCreator } from "./tokens";

export type Team = typeof teams.$inferSelect;

export async function listTeams(ctx: TenantCtx) {
  return ctx.db.select().from(teams).where(eq(teams.tenantId, ctx.tenantId)).orderBy(asc(teams.name));
}

export async function getTeam(ctx: TenantCtx, teamId: string) {
  const [team] = await ctx.db
    .select()
    .from(teams)
    .where(and(eq(teams.tenantId, ctx.tenantId), eq(teams.id, teamId)))
    .limit(1);
  return team ?? null;
}

const memberCount = sql<number>`(select count(*) from ${teamMembers} where ${teamMembers.tenantId} = ${teams.tenantId} and ${teamMembers.teamId} = ${teams.id})`;

export interface TeamPageFilter {
  /** Only these teams; `null` means every team of the tenant. */
  teamIds: string[] | null;
  after?: { name: string; id: string };
  limit: number;
}

/** Teams with their member counts, ordered by name, id; returns `limit + 1` rows for cursor paging. */
export async function listTeamsWithCounts(ctx: TenantCtx, f: TeamPageFilter) {
  if (f.teamIds && f.teamIds.length === 0) return [];
  const conds: SQL[] = [eq(teams.tenantId, ctx.tenantId)];
  if (f.teamIds) conds.push(inArray(teams.id, f.teamIds));
  if (f.after) conds.push(or(gt(teams.name, f.after.name), and(eq(teams.name, f.after.name), gt(teams.id, f.after.id)))!);
  return ctx.db
    .select({ team: teams, memberCount })
    .from(teams)
    .where(and(...conds))
    .orderBy(asc(teams.name), asc(teams.id))
    .limit(f.limit + 1);
}

export async function getTeamWithCount(ctx: TenantCtx, teamId: string) {
  const [row] = await ctx.db
    .select({ team: teams, memberCount })
    .from(teams)
    .where(and(eq(teams.tenantId, ctx.tenantId), eq(teams.id, teamId)))
    .limit(1);
  return row ?? null;
}

/** Creates a team whose creator is its first maintainer. Throws on a taken slug (unique index). */
export async function createTeam(
  ctx: TenantCtx,
  source: AuditSource,
  input: { name: string; slug: string; description: string; creatorId: string },
): Promise<Team> {
  const { team, statements } = newTeamStatements(ctx, source, input);
  await ctx.db.batch([
    statements[0],
    ctx.db.insert(teamMembers).values({ tenantId: ctx.tenantId, teamId: team.id, userId: input.creatorId, role: "maintainer", createdAt: source.now }),
    statements[1],
  ]);
  return team;
}

/** A new team and its `team.created` entry, for callers that add it to a batch of their own (SCIM groups). */
export function newTeamStatements(ctx: TenantCtx, source: AuditSource, input: { name: string; slug: string; description: string }) {
  const team: Team = { tenantId: ctx.tenantId, id: newId("team"), slug: input.slug, name: input.name, description: input.description, createdAt: source.now };
  const statements = [
    ctx.db.insert(teams).values(team),
    auditInsert(ctx, source, { action: "team.created", targetType: "team", targetId: team.id, teamId: team.id, details: { name: team.name, slug: team.slug } }),
  ] as const;
  return { team, statements };
}

export async function findTeamBySlug(ctx: TenantCtx, slug: string): Promise<Team | null> {
  const [team] = await ctx.db
    .select()
    .from(teams)
    .where(and(eq(teams.tenantId, ctx.tenantId), eq(teams.slug, slug)))
    .limit(1);
  return team ?? null;
}

export async function updateTeam(ctx: TenantCtx, source: AuditSource, team: Team, patch: { name?: string; description?: string }): Promise<Team> {
  await ctx.db.batch([
    ctx.db
      .update(teams)
      .set(patch)
      .where(and(eq(teams.tenantId, ctx.tenantId), eq(teams.id, team.id))),
    auditInsert(ctx, source, {
      action: "team.updated",
      targetType: "team",
      targetId: team.id,
      teamId: team.id,
      details: { changed: Object.keys(patch).sort(), ...patch },
    }),
  ]);
  return { ...team, ...patch };
}

/** The people behind team-member rows: their e-mail and name are on the control database, the rows on the shard. */
async function withPeople(ctx: TenantCtx, rows: Array<{ userId: string; role: TeamRole }>) {
  if (rows.length === 0) return [];
  const people = await ctx.control
    .select({ id: users.id, email: users.email, name: users.name })
    .from(users)
    .where(
      inArray(
        users.id,
        rows.map((r) => r.userId),
      ),
    );
  const byId = new Map(people.map((p) => [p.id, p]));
  return rows.flatMap((r) => {
    const person = byId.get(r.userId);
    return person ? [{ userId: r.userId, email: person.email, name: person.name, role: r.role }] : [];
  });
}

export async function listTeamMembers(ctx: TenantCtx, teamId: string) {
  const rows = await ctx.db
    .select({ userId: teamMembers.userId, role: teamMembers.role })
    .from(teamMembers)
    .where(and(eq(teamMembers.tenantId, ctx.tenantId), eq(teamMembers.teamId, teamId)));
  const members = await withPeople(ctx, rows);
  // By name, then e-mail, in SQLite's binary order as the single query's ORDER BY gave them.
  const binary = (x: string, y: string) => (x < y ? -1 : x > y ? 1 : 0);
  return members.sort((a, b) => binary(a.name, b.name) || binary(a.email, b.email));
}

export type TeamMember = Awaited<ReturnType<typeof listTeamMembers>>[number];

export async function getTeamMember(ctx: TenantCtx, teamId: string, userId: string): Promise<TeamMember | null> {
  const rows = await ctx.db
    .select({ userId: teamMembers.userId, role: teamMembers.role })
    .from(teamMembers)
    .where(and(eq(teamMembers.tenantId, ctx.tenantId), eq(teamMembers.teamId, teamId), eq(teamMembers.userId, userId)))
    .limit(1);
  const [member] = await withPeople(ctx, rows);
  return member ?? null;
}

/** A user of the tenant (team membership requires tenant membership first). */
export async function findTenantUser(ctx: TenantCtx, userId: string) {
  const [row] = await ctx.control
    .select({ userId: users.id, email: users.email, name: users.name, role: tenantMembers.role })
    .from(tenantMembers)
    .innerJoin(users, eq(users.id, tenantMembers.userId))
    .where(and(eq(tenantMembers.tenantId, ctx.tenantId), eq(tenantMembers.userId, userId)))
    .limit(1);
  return row ?? null;
}

/** Throws on an existing membership (primary key). */
export async function addTeamMember(ctx: TenantCtx, source: AuditSource, teamId: string, user: { userId: string; email: string }, role: TeamRole) {
  await ctx.db.batch([
    ctx.db.insert(teamMembers).values({ tenantId: ctx.tenantId, teamId, userId: user.userId, role, createdAt: source.now }),
    auditInsert(ctx, source, { action: "team.member_added", targetType: "user", targetId: user.userId, teamId, details: { email: user.email, role } }),
  ]);
}

const memberKey = (ctx: TenantCtx, teamId: string, userId: string) =>
  and(eq(teamMembers.tenantId, ctx.tenantId), eq(teamMembers.teamId, teamId), eq(teamMembers.userId, userId));

export async function updateTeamMemberRole(ctx: TenantCtx, source: AuditSource, teamId: string, member: TeamMember, role: TeamRole) {
  await ctx.db.batch([
    ctx.db
      .update(teamMembers)
      .set({ role })
      .where(memberKey(ctx, teamId, member.userId)),
    auditInsert(ctx, source, {
      action: "team.member_role_changed",
      targetType: "user",
      targetId: member.userId,
      teamId,
      details: { email: member.email, from: member.role, to: role },
    }),
  ]);
}

/** Removes the member and revokes the API tokens they created for the team, so adding them back revives none. */
export async function removeTeamMember(ctx: TenantCtx, source: AuditSource, teamId: string, member: TeamMember) {
  const tokens = await revokeTokensOfCreator(ctx, source, member.userId, "creator_removed_from_team", teamId);
  await batchSides(ctx, tokens.control, [
    ctx.db.delete(teamMembers).where(memberKey(ctx, teamId, member.userId)),
    ...tokens.shard,
    auditInsert(ctx, source, {
      action: "team.member_removed",
      targetType: "user",
      targetId: member.userId,
      teamId,
      details: { email: member.email, role: member.role, tokens_revoked: tokens.revoked },
    }),
  ]);
}
