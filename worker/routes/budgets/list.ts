import { createRoute, z } from "@hono/zod-openapi";
import type { Router } from "../../context";
import { tenantCtx } from "../../db/client";
import { crossingsOf, listBudgets, scopeNames, spendOf } from "../../db/repo/costs/budgets";
import { monthOf } from "../../costs/period";
import { requireScope } from "../../lib/principal";
import { PeriodQuery } from "../products/scorecard-schemas";
import { bearerSecurity, errors, jsonResponse, send } from "../shared";
import { BudgetOut, budgetOut } from "./schemas";

const BudgetList = z.object({ period: z.string(), items: z.array(BudgetOut) }).openapi("BudgetList");

export const route = createRoute({
  method: "get",
  path: "/budgets",
  tags: ["costs"],
  summary: "Monthly budgets of teams and products with spend and thresholds crossed in the period",
  security: bearerSecurity,
  request: { query: z.object({ period: PeriodQuery }) },
  responses: { 200: jsonResponse(BudgetList, "Budgets"), ...errors(400, 401, 403) },
});

export function register(app: Router) {
  app.openapi(route, async (c) => {
    const p = c.get("principal");
    requireScope(p, "read");
    const ctx = tenantCtx(c.get("db"), p.tenantId, c.get("controlDb"));
    const period = c.req.valid("query").period ?? monthOf(c.get("clock").now());
    const list = await listBudgets(ctx);
    const [spend, crossings, scopes] = await Promise.all([
      spendOf(ctx, list, period),
      crossingsOf(
        ctx,
        list.map((b) => b.id),
        period,
      ),
      scopeNames(ctx, list),
    ]);
    return send(c, 200, BudgetList, {
      period,
      items: list.map((b) =>
        budgetOut(b, scopes.get(`${b.scope}:${b.scopeId}`) ?? { name: b.scopeId, ownerTeamId: null }, period, spend.get(b.id) ?? 0, crossings),
      ),
    });
  });
}
