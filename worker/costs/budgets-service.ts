import type { TenantCtx } from "../db/client";
import { claimPendingCrossings, listBudgets, markCrossingsSent, recordCrossings, releaseCrossings, spendOf, type Budget } from "../db/repo/costs/budgets";
import type { NotifySender } from "../queues/notify-messages";
import type { BudgetThresholdCrossedSignal } from "../queues/signals";
import type { BudgetThreshold } from "./budgets";
import { fromMicros } from "./money";

/**
 * Records every threshold the spend of the given months has reached (once per budget, period and threshold),
 * then sends the crossings not sent yet to the notify queue. Safe to call as often as spend changes; returns the
 * crossings sent by this call.
 */
export async function evaluateBudgets(
  ctx: TenantCtx,
  notify: NotifySender,
  periods: string[],
  now: number,
  only?: Budget[],
): Promise<BudgetThresholdCrossedSignal[]> {
  const list = only ?? (await listBudgets(ctx));
  if (list.length) for (const period of [...new Set(periods)]) await recordCrossings(ctx, list, period, await spendOf(ctx, list, period), now);
  return sendPendingCrossings(ctx, notify, now);
}

/** Claims unsent crossings (or abandoned claims), sends them, marks them sent; a failed send releases the claim. */
export async function sendPendingCrossings(ctx: TenantCtx, notify: NotifySender, now: number): Promise<BudgetThresholdCrossedSignal[]> {
  const { keys, crossings } = await claimPendingCrossings(ctx, now);
  if (!keys.length) return [];
  const signals: BudgetThresholdCrossedSignal[] = crossings.map((c) => ({
    type: "budget.threshold_crossed",
    tenantId: ctx.tenantId,
    budgetId: c.budgetId,
    scope: c.scope,
    scopeId: c.scopeId,
    threshold: c.threshold as BudgetThreshold,
    period: c.period,
    amount: fromMicros(c.amountMicros),
    currency: c.currency,
    limit: fromMicros(c.limitMicros),
    at: now,
    scopeName: c.scopeName,
    ownerTeamId: c.ownerTeamId,
  }));
  try {
    if (signals.length) await notify.sendBatch(signals.map((body) => ({ body })));
  } catch (err) {
    await releaseCrossings(ctx, keys);
    throw err;
  }
  await markCrossingsSent(ctx, keys, now);
  return signals;
}
