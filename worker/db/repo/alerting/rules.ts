import { and, asc, eq, inArray } from "drizzle-orm";
import type { TenantCtx } from "../../client";
import { alertRules } from "../../schema";
import { auditInsert, type AuditSource } from "../platform/audit";
import { newId } from "../../../lib/ids";

export type AlertRule = typeof alertRules.$inferSelect;
export type RuleInput = Omit<AlertRule, "tenantId" | "id" | "teamId" | "createdBy" | "createdAt" | "updatedAt">;

const byId = (ctx: TenantCtx, id: string) => and(eq(alertRules.tenantId, ctx.tenantId), eq(alertRules.id, id));

export async function getRule(ctx: TenantCtx, id: string): Promise<AlertRule | null> {
  const [row] = await ctx.db.select().from(alertRules).where(byId(ctx, id)).limit(1);
  return row ?? null;
}

/** Rules of these teams (`null`: every team), by team then name. */
export async function listRules(ctx: TenantCtx, teamIds: string[] | null): Promise<AlertRule[]> {
  if (teamIds && teamIds.length === 0) return [];
  const conds = [eq(alertRules.tenantId, ctx.tenantId)];
  if (teamIds) conds.push(inArray(alertRules.teamId, teamIds));
  return ctx.db
    .select()
    .from(alertRules)
    .where(and(...conds))
    .orderBy(asc(alertRules.teamId), asc(alertRules.name));
}

export async function createRule(ctx: TenantCtx, source: AuditSource, teamId: string, createdBy: string, input: RuleInput): Promise<AlertRule> {
  const row: AlertRule = { tenantId: ctx.tenantId, id: newId("rule"), teamId, createdBy, createdAt: source.now, updatedAt: source.now, ...input };
  await ctx.db.batch([
    ctx.db.insert(alertRules).values(row),
    auditInsert(ctx, source, { action: "alert_rule.created", targetType: "alert_rule", targetId: row.id, teamId, details: { name: row.name } }),
  ]);
  return row;
}

export async function updateRule(ctx: TenantCtx, source: AuditSource, rule: AlertRule, patch: Partial<RuleInput>): Promise<AlertRule> {
  const set = { ...patch, updatedAt: source.now };
  await ctx.db.batch([
    ctx.db.update(alertRules).set(set).where(byId(ctx, rule.id)),
    auditInsert(ctx, source, {
      action: "alert_rule.updated",
      targetType: "alert_rule",
      targetId: rule.id,
      teamId: rule.teamId,
      details: { name: rule.name, changed: Object.keys(patch).sort() },
    }),
  ]);
  return { ...rule, ...set };
}

export async function deleteRule(ctx: TenantCtx, source: AuditSource, rule: AlertRule): Promise<void> {
  await ctx.db.batch([
    ctx.db.delete(alertRules).where(byId(ctx, rule.id)),
    auditInsert(ctx, source, { action: "alert_rule.deleted", targetType: "alert_rule", targetId: rule.id, teamId: rule.teamId, details: { name: rule.name } }),
  ]);
}
