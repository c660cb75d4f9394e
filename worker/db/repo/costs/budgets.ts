import { and, asc, eq, sql } from "drizzle-orm";
import { thresholdsReached } from "../../../costs/budgets";
import { fromMicros } from "../../../costs/money";
import { monthRange } from "../../../costs/period";
import { newId } from "../../../lib/ids";
import type { TenantCtx } from "../../client";
import { budgetCrossings, budgets } from "../../schema";
import type { BudgetScope } from "../../schema/enums";
import { auditInsert, type AuditSource } from "../platform/audit";
import { queryAll } from "../../statements";

export type Budget = typeof budgets.$inferSelect;
export type BudgetCrossing = typeof budgetCrossings.$inferSelect;

/** A claim on an unsent crossing older than this is considered abandoned (the evaluator died mid-send). */
export const SEND_LEASE_MS = 5 * 60_000;

export async function listBudgets(ctx: TenantCtx): Promise<Budget[]> {
  return ctx.db.select().from(budgets).where(eq(budgets.tenantId, ctx.tenantId)).orderBy(asc(budgets.scope), asc(budgets.createdAt));
}

export async function getBudget(ctx: TenantCtx, id: string): Promise<Budget | null> {
  const [row] = await ctx.db
    .select()
    .from(budgets)
    .where(and(eq(budgets.tenantId, ctx.tenantId), eq(budgets.id, id)))
    .limit(1);
  return row ?? null;
}

export async function findBudget(ctx: TenantCtx, scope: BudgetScope, scopeId: string): Promise<Budget | null> {
  const [row] = await ctx.db
    .select()
    .from(budgets)
    .where(and(eq(budgets.tenantId, ctx.tenantId), eq(budgets.scope, scope), eq(budgets.scopeId, scopeId)))
    .limit(1);
  return row ?? null;
}

export async function createBudget(
  ctx: TenantCtx,
  audit: AuditSource,
  input: { scope: BudgetScope; scopeId: string; limitMicros: number; currency: string; teamId: string },
): Promise<Budget> {
  const id = newId("budget");
  await ctx.db.batch([
    ctx.db.insert(budgets).values({
      tenantId: ctx.tenantId,
      id,
      scope: input.scope,
      scopeId: input.scopeId,
      limitMicros: input.limitMicros,
      currency: input.currency,
      createdAt: audit.now,
      updatedAt: audit.now,
    }),
    auditInsert(ctx, audit, {
      action: "budget.create",
      targetType: "budget",
      targetId: id,
      teamId: input.teamId,
      details: { scope: input.scope, scope_id: input.scopeId, limit: fromMicros(input.limitMicros) },
    }),
  ]);
  return (await getBudget(ctx, id))!;
}

export async function updateBudget(ctx: TenantCtx, audit: AuditSource, budget: Budget, limitMicros: number, teamId: string): Promise<Budget> {
  await ctx.db.batch([
    ctx.db
      .update(budgets)
      .set({ limitMicros, updatedAt: audit.now })
      .where(and(eq(budgets.tenantId, ctx.tenantId), eq(budgets.id, budget.id))),
    auditInsert(ctx, audit, {
      action: "budget.update",
      targetType: "budget",
      targetId: budget.id,
      teamId,
      details: { limit: { from: fromMicros(budget.limitMicros), to: fromMicros(limitMicros) } },
    }),
  ]);
  return (await getBudget(ctx, budget.id))!;
}

export async function deleteBudget(ctx: TenantCtx, audit: AuditSource, budget: Budget, teamId: string): Promise<void> {
  await ctx.db.batch([
    ctx.db.delete(budgetCrossings).where(and(eq(budgetCrossings.tenantId, ctx.tenantId), eq(budgetCrossings.budgetId, budget.id))),
    ctx.db.delete(budgets).where(and(eq(budgets.tenantId, ctx.tenantId), eq(budgets.id, budget.id))),
    auditInsert(ctx, audit, {
      action: "budget.delete",
      targetType: "budget",
      targetId: budget.id,
      teamId,
      details: { scope: budget.scope, scope_id: budget.scopeId },
    }),
  ]);
}

/** Spend of each budget's scope in a month (micro-units), from the daily rollup. */
export async function spendOf(ctx: TenantCtx, list: Budget[], period: string): Promise<Map<string, number>> {
  const out = new Map<string, number>();
  if (!list.length) return out;
  const { from, to } = monthRange(period);
  const rows = await queryAll<{ scope: string; id: string; amount: number }>(
    ctx,
    sql`SELECT t.dimension AS scope, t.key AS id, sum(t.amount_micros) AS amount
        FROM json_each(${JSON.stringify(list.map((b) => [b.scope, b.scopeId]))}) s
        CROSS JOIN cost_daily_totals t ON t.tenant_id = ${ctx.tenantId} AND t.dimension = s.value ->> '$[0]' AND t.key = s.value ->> '$[1]' AND t.day >= ${from} AND t.day < ${to}
        GROUP BY t.dimension, t.key`,
  );
  const byScope = new Map(rows.map((r) => [`${r.scope}:${r.id}`, r.amount]));
  for (const b of list) out.set(b.id, byScope.get(`${b.scope}:${b.scopeId}`) ?? 0);
  return out;
}

export async function crossingsOf(ctx: TenantCtx, budgetIds: string[], period?: string): Promise<BudgetCrossing[]> {
  if (!budgetIds.length) return [];
  return queryAll<BudgetCrossing>(
    ctx,
    sql`SELECT budget_id AS budgetId, period, threshold, amount_micros AS amountMicros, limit_micros AS limitMicros, currency,
          crossed_at AS crossedAt, claimed_at AS claimedAt, sent_at AS sentAt, tenant_id AS tenantId
        FROM budget_crossings WHERE tenant_id = ${ctx.tenantId} AND budget_id IN (SELECT value FROM json_each(${JSON.stringify(budgetIds)}))
        ${period ? sql`AND period = ${period}` : sql``} ORDER BY period DESC, threshold`,
  );
}

/** Names and owner teams of budget scopes (for the list and for the signal alerting turns into an alert). */
export async function scopeNames(ctx: TenantCtx, list: Budget[]): Promise<Map<string, { name: string; ownerTeamId: string | null }>> {
  const rows = await queryAll<{ key: string; name: string; owner: string | null }>(
    ctx,
    sql`SELECT 'team:' || id AS key, name, id AS owner FROM teams WHERE tenant_id = ${ctx.tenantId} AND id IN (SELECT value FROM json_each(${JSON.stringify(list.filter((b) => b.scope === "team").map((b) => b.scopeId))}))
        UNION ALL
        SELECT 'product:' || id, title, owner_team_id FROM products WHERE tenant_id = ${ctx.tenantId} AND id IN (SELECT value FROM json_each(${JSON.stringify(list.filter((b) => b.scope === "product").map((b) => b.scopeId))}))`,
  );
  return new Map(rows.map((r) => [r.key, { name: r.name, ownerTeamId: r.owner }]));
}

export interface CrossingKey {
  budgetId: string;
  period: string;
  threshold: number;
}

/** Records every threshold the given spend has reached: once per budget, period and threshold (the primary key). */
export async function recordCrossings(ctx: TenantCtx, list: Budget[], period: string, spend: Map<string, number>, now: number): Promise<void> {
  const rows = list.flatMap((b) =>
    thresholdsReached(spend.get(b.id) ?? 0, b.limitMicros).map((threshold) => ({
      tenantId: ctx.tenantId,
      budgetId: b.id,
      period,
      threshold,
      amountMicros: spend.get(b.id) ?? 0,
      limitMicros: b.limitMicros,
      currency: b.currency,
      crossedAt: now,
    })),
  );
  for (let i = 0; i < rows.length; i += 10)
    await ctx.db
      .insert(budgetCrossings)
      .values(rows.slice(i, i + 10))
      .onConflictDoNothing();
}

/** A claimed crossing with what its signal needs: the budget's scope and that scope's name and owner team. */
export interface ClaimedCrossing extends CrossingKey {
  amountMicros: number;
  limitMicros: number;
  currency: string;
  scope: BudgetScope;
  scopeId: string;
  scopeName: string;
  ownerTeamId: string | null;
}

/**
 * Claims unsent crossings (or claims older than SEND_LEASE_MS, abandoned by an evaluator that died mid-send).
 * `keys` are all the claimed crossings; `crossings` those whose budget still exists.
 */
export async function claimPendingCrossings(ctx: TenantCtx, now: number): Promise<{ keys: CrossingKey[]; crossings: ClaimedCrossing[] }> {
  const claimed = await queryAll<{ budget_id: string; period: string; threshold: number; amount_micros: number; limit_micros: number; currency: string }>(
    ctx,
    sql`UPDATE budget_crossings SET claimed_at = ${now}
        WHERE tenant_id = ${ctx.tenantId} AND sent_at IS NULL AND (claimed_at IS NULL OR claimed_at < ${now - SEND_LEASE_MS})
        RETURNING budget_id, period, threshold, amount_micros, limit_micros, currency`,
  );
  if (!claimed.length) return { keys: [], crossings: [] };
  const budgetRows = await queryAll<Budget>(
    ctx,
    sql`SELECT id, scope, scope_id AS scopeId, limit_micros AS limitMicros, currency FROM budgets
        WHERE tenant_id = ${ctx.tenantId} AND id IN (SELECT value FROM json_each(${JSON.stringify([...new Set(claimed.map((c) => c.budget_id))])}))`,
  );
  const byId = new Map(budgetRows.map((b) => [b.id, b]));
  const names = await scopeNames(ctx, budgetRows);
  const crossings = claimed.flatMap((c) => {
    const b = byId.get(c.budget_id);
    if (!b) return [];
    const scope = names.get(`${b.scope}:${b.scopeId}`);
    return [
      {
        budgetId: b.id,
        period: c.period,
        threshold: c.threshold,
        amountMicros: c.amount_micros,
        limitMicros: c.limit_micros,
        currency: c.currency,
        scope: b.scope,
        scopeId: b.scopeId,
        scopeName: scope?.name ?? b.scopeId,
        ownerTeamId: scope?.ownerTeamId ?? null,
      },
    ];
  });
  return { keys: claimed.map((c) => ({ budgetId: c.budget_id, period: c.period, threshold: c.threshold })), crossings };
}

const keysJson = (keys: CrossingKey[]) => JSON.stringify(keys.map((k) => [k.budgetId, k.period, k.threshold]));

/** Gives claimed crossings back (their send failed) so the next evaluation sends them. */
export async function releaseCrossings(ctx: TenantCtx, keys: CrossingKey[]): Promise<void> {
  await queryAll(
    ctx,
    sql`UPDATE budget_crossings SET claimed_at = NULL WHERE tenant_id = ${ctx.tenantId} AND sent_at IS NULL
        AND EXISTS (SELECT 1 FROM json_each(${keysJson(keys)}) r WHERE r.value ->> '$[0]' = budget_id AND r.value ->> '$[1]' = period AND r.value ->> '$[2]' = threshold)`,
  );
}

export async function markCrossingsSent(ctx: TenantCtx, keys: CrossingKey[], now: number): Promise<void> {
  await queryAll(
    ctx,
    sql`UPDATE budget_crossings SET sent_at = ${now} WHERE tenant_id = ${ctx.tenantId}
        AND EXISTS (SELECT 1 FROM json_each(${keysJson(keys)}) r WHERE r.value ->> '$[0]' = budget_id AND r.value ->> '$[1]' = period AND r.value ->> '$[2]' = threshold)`,
  );
}
