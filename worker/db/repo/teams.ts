import { and, asc, eq } from "drizzle-orm";
import type { TenantCtx } from "../client";
import { teams } from "../schema";

export async function listTeams(ctx: TenantCtx) {
  return ctx.db.select().from(teams).where(eq(teams.tenantId, ctx.tenantId)).orderBy(asc(teams.name));
}

export async function getTeam(ctx: TenantCtx, teamId: string) {
  const [team] = await ctx.db.select().from(teams).where(and(eq(teams.tenantId, ctx.tenantId), eq(teams.id, teamId))).limit(1);
  return team ?? null;
}
