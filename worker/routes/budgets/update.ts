import { createRoute, z } from "@hono/zod-openapi";
import type { Router } from "../../context";
import { tenantCtx } from "../../db/client";
import { crossingsOf, getBudget, spendOf, updateBudget } from "../../db/repo/costs/budgets";
import { evaluateBudgets } from "../../costs/budgets-service";
import { toMicros } from "../../costs/money";
import { monthOf } from "../../costs/period";
import { notFound } from "../../lib/errors";
import { requireTeamWrite } from "../../lib/principal";
import { auditSource } from "../../lib/request";
import { IdParam, bearerSecurity, errors, jsonBody, jsonResponse, send } from "../shared";
import { BudgetOut, budgetOut } from "./schemas";
import { resolveScope } from "./scope";

const UpdateBudgetBody = z.strictObject({ monthly_limit: z.number().min(0).max(1_000_000_000) }).openapi("UpdateBudgetRequest");

export const route = createRoute({
  method: "patch",
  path: "/budgets/{id}",
  tags: ["costs"],
  summary: "Change a budget's monthly limit (thresholds already crossed this month stay crossed)",
  security: bearerSecurity,
  request: { params: IdParam, ...jsonBody(UpdateBudgetBody) },
  responses: { 200: jsonResponse(BudgetOut, "The budget"), ...errors(400, 401, 403, 404, 413, 415) },
});

export function register(app: Router) {
  app.openapi(route, async (c) => {
    const p = c.get("principal");
    const ctx = tenantCtx(c.get("db"), p.tenantId, c.get("controlDb"));
    const budget = await getBudget(ctx, c.req.valid("param").id);
    if (!budget) throw notFound("budget");
    const scope = await resolveScope(ctx, budget.scope, budget.scopeId).catch(() => {
      throw notFound("budget");
    });
    requireTeamWrite(p, scope.ownerTeamId, "metadata:write");
    const audit = auditSource(c);
    const updated = await updateBudget(ctx, audit, budget, toMicros(c.req.valid("json").monthly_limit), scope.ownerTeamId);
    const period = monthOf(audit.now);
    await evaluateBudgets(ctx, c.env.NOTIFY, [period], audit.now, [updated]);
    const [spend, crossings] = await Promise.all([spendOf(ctx, [updated], period), crossingsOf(ctx, [updated.id], period)]);
    return send(c, 200, BudgetOut, budgetOut(updated, scope, period, spend.get(updated.id) ?? 0, crossings));
  });
}
