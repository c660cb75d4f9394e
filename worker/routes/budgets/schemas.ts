import { z } from "@hono/zod-openapi";
import { fromMicros } from "../../costs/money";
import type { Budget, BudgetCrossing } from "../../db/repo/costs/budgets";
import { budgetScopes } from "../../db/schema/enums";
import { timestamp } from "../shared";

export const BudgetOut = z
  .object({
    id: z.string().openapi({ example: "bgt_4k2m9q0x1n5b6v7c8z3a" }),
    scope: z.enum(budgetScopes),
    scope_id: z.string(),
    scope_name: z.string(),
    owner_team_id: z.string().nullable(),
    monthly_limit: z.number(),
    currency: z.string(),
    period: z.string().openapi({ description: "The month `spent` covers" }),
    spent: z.number(),
    percent: z.number().nullable().openapi({ description: "spent ÷ limit × 100; null for a zero limit" }),
    crossings: z
      .array(z.object({ threshold: z.number().int(), amount: z.number(), crossed_at: timestamp, notified: z.boolean() }))
      .openapi({ description: "Thresholds crossed in the period" }),
    created_at: timestamp,
    updated_at: timestamp,
  })
  .openapi("Budget");

export function budgetOut(b: Budget, scope: { name: string; ownerTeamId: string | null }, period: string, spentMicros: number, crossings: BudgetCrossing[]) {
  return {
    id: b.id,
    scope: b.scope,
    scope_id: b.scopeId,
    scope_name: scope.name,
    owner_team_id: scope.ownerTeamId,
    monthly_limit: fromMicros(b.limitMicros),
    currency: b.currency,
    period,
    spent: fromMicros(spentMicros),
    percent: b.limitMicros > 0 ? Math.round((spentMicros / b.limitMicros) * 1000) / 10 : null,
    crossings: crossings
      .filter((x) => x.budgetId === b.id && x.period === period)
      .map((x) => ({
        threshold: x.threshold,
        amount: fromMicros(x.amountMicros),
        crossed_at: new Date(x.crossedAt).toISOString(),
        notified: x.sentAt !== null,
      })),
    created_at: new Date(b.createdAt).toISOString(),
    updated_at: new Date(b.updatedAt).toISOString(),
  };
}
