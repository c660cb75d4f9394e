import { and, asc, eq, sql } from "drizzle-orm";
import { thresholdsReached, type BudgetThreshold } from "../../../costs/budgets";
import { fromMicros } from "../../../costs/money";
import { monthRange } from "../../../costs/period";
import { newId } from "../../../lib/ids";
import type { NotifySender } from "../../../queues/notify-messages";
import type { BudgetThresholdCrossedSignal } from "../../../queues/signals";
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

/** Names and owner teams of budget scopes, for the signal alerting turns into an alert. */
async function scopeNames(ctx: TenantCtx, list: Budget[]): Promise<Map<string, { name: string; ownerTeamId: string | null }>> {
  const rows = await queryAll<{ key: string; name: string; owner: string | null }>(
    ctx,
    sql`SELECT 'team:' || id AS key, name, id AS owner FROM teams WHERE tenant_id = ${ctx.tenantId} AND id IN (SELECT value FROM json_each(${JSON.stringify(list.filter((b) => b.scope === "team").map((b) => b.scopeId))}))
        UNION ALL
        SELECT 'product:' || id, title, owner_team_id FROM products WHERE tenant_id = ${ctx.tenantId} AND id IN (SELECT value FROM json_each(${JSON.stringify(list.filter((b) => b.scope === "product").map((b) => b.scopeId))}))`,
  );
  return new Map(rows.map((r) => [r.key, { name: r.name, ownerTeamId: r.owner }]));
}

/** The notify queue, or a recorder in tests. */
/**
 * Records every threshold the spend of the given months has reached (once per budget, period and threshold: the
 * primary key), then sends the crossings not sent yet to the notify queue. Safe to call as often as spend
 * changes; returns the crossings sent by this call.
 */
export async function evaluateBudgets(
  ctx: TenantCtx,
  notify: NotifySender,
  periods: string[],
  now: number,
  only?: Budget[],
): Promise<BudgetThresholdCrossedSignal[]> {
  const list = only ?? (await listBudgets(ctx));
  if (list.length) {
    for (const period of [...new Set(periods)]) {
      const spend = await spendOf(ctx, list, period);
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
  }
  return sendPendingCrossings(ctx, notify, now);
}

/** Claims unsent crossings (or abandoned claims), sends them, marks them sent; a failed send releases the claim. */
export async function sendPendingCrossings(ctx: TenantCtx, notify: NotifySender, now: number): Promise<BudgetThresholdCrossedSignal[]> {
  const claimed = await queryAll<{ budget_id: string; period: string; threshold: number; amount_micros: number; limit_micros: number; currency: string }>(
    ctx,
    sql`UPDATE budget_crossings SET claimed_at = ${now}
        WHERE tenant_id = ${ctx.tenantId} AND sent_at IS NULL AND (claimed_at IS NULL OR claimed_at < ${now - SEND_LEASE_MS})
        RETURNING budget_id, period, threshold, amount_micros, limit_micros, currency`,
  );
  if (!claimed.length) return [];
  const budgetRows = await queryAll<Budget>(
    ctx,
    sql`SELECT id, scope, scope_id AS scopeId, limit_micros AS limitMicros, currency FROM budgets
        WHERE tenant_id = ${ctx.tenantId} AND id IN (SELECT value FROM json_each(${JSON.stringify([...new Set(claimed.map((c) => c.budget_id))])}))`,
  );
  const byId = new Map(budgetRows.map((b) => [b.id, b]));
  const names = await scopeNames(ctx, budgetRows);
  const signals: BudgetThresholdCrossedSignal[] = claimed.flatMap((c) => {
    const b = byId.get(c.budget_id);
    if (!b) return [];
    const scope = names.get(`${b.scope}:${b.scopeId}`);
    const amount = fromMicros(c.amount_micros);
    const limit = fromMicros(c.limit_micros);
    return [
      {
        type: "budget.threshold_crossed" as const,
        tenantId: ctx.tenantId,
        budgetId: b.id,
        scope: b.scope,
        scopeId: b.scopeId,
        threshold: c.threshold as BudgetThreshold,
        period: c.period,
        amount,
        currency: c.currency,
        limit,
        at: now,
        scopeName: scope?.name ?? b.scopeId,
        ownerTeamId: scope?.ownerTeamId ?? null,
      },
    ];
  });
  const keys = JSON.stringify(claimed.map((c) => [c.budget_id, c.period, c.threshold]));
  try {
    if (signals.length) await notify.sendBatch(signals.map((body) => ({ body })));
  } catch (err) {
    await queryAll(
      ctx,
      sql`UPDATE budget_crossings SET claimed_at = NULL WHERE tenant_id = ${ctx.tenantId} AND sent_at IS NULL
          AND EXISTS (SELECT 1 FROM json_each(${keys}) r WHERE r.value ->> '$[0]' = budget_id AND r.value ->> '$[1]' = period AND r.value ->> '$[2]' = threshold)`,
    );
    throw err;
  }
  await queryAll(
    ctx,
    sql`UPDATE budget_crossings SET sent_at = ${now} WHERE tenant_id = ${ctx.tenantId}
        AND EXISTS (SELECT 1 FROM json_each(${keys}) r WHERE r.value ->> '$[0]' = budget_id AND r.value ->> '$[1]' = period AND r.value ->> '$[2]' = threshold)`,
  );
  return signals;
}
