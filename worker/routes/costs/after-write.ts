import type { Context } from "hono";
import type { AppEnv } from "../../context";
import type { TenantCtx } from "../../db/client";
import { evaluateBudgets } from "../../costs/budgets-service";
import { reattributeCosts, type ReattributeScope } from "../../db/repo/costs/ledger-reattribute";
import { monthOfDay } from "../../costs/period";
import { afterResponse } from "../../lib/request";

/** How far back a product change re-attributes automatically; older costs need POST /costs/reattribute. */
export const AUTO_REATTRIBUTE_DAYS = 35;

/** Budgets of the months whose spend changed; sends crossings to the notify queue. */
export async function afterSpendChanged(c: Context<AppEnv>, ctx: TenantCtx, days: string[]) {
  if (!days.length) return;
  await evaluateBudgets(ctx, c.env.NOTIFY, [...new Set(days.map(monthOfDay))], c.get("clock").now());
}

/**
 * Re-attributes recent costs after products or memberships changed, after the response is sent (waitUntil):
 * a product created for an existing pipeline shows that pipeline's spend without anyone asking.
 */
export function reattributeLater(c: Context<AppEnv>, ctx: TenantCtx, scope: ReattributeScope) {
  const now = c.get("clock").now();
  afterResponse(c, "re-attribution", () => reattributeCosts(ctx, scope, now).then((r) => afterSpendChanged(c, ctx, r.days)));
}

export const recentScope = (now: number): ReattributeScope => ({ from: now - AUTO_REATTRIBUTE_DAYS * 86_400_000, to: now + 86_400_000 });
