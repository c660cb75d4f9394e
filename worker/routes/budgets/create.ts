import { createRoute, z } from "@hono/zod-openapi";
import type { Router } from "../../context";
import { tenantCtx } from "../../db/client";
import { createBudget, crossingsOf, findBudget, spendOf } from "../../db/repo/costs/budgets";
import { evaluateBudgets } from "../../costs/budgets-service";
import { getCostSettings } from "../../db/repo/costs/settings";
import { isUniqueViolation } from "../../db/unique";
import { toMicros } from "../../costs/money";
import { monthOf } from "../../costs/period";
import { budgetScopes } from "../../db/schema/enums";
import { conflict, invalid } from "../../lib/errors";
import { requireTeamWrite } from "../../lib/principal";
import { auditSource } from "../../lib/request";
import { bearerSecurity, errors, jsonBody, jsonResponse, send } from "../shared";
import { BudgetOut, budgetOut } from "./schemas";
import { resolveScope } from "./scope";

const CreateBudgetBody = z
  .strictObject({
    scope: z.enum(budgetScopes),
    scope_id: z.string().min(1).max(64).openapi({ description: "Team id, or product id or name" }),
    monthly_limit: z.number().min(0).max(1_000_000_000).openapi({ example: 5000 }),
    currency: z.string().optional().openapi({ description: "Must be the tenant's cost currency (defaults to it)" }),
  })
  .openapi("CreateBudgetRequest");

export const route = createRoute({
  method: "post",
  path: "/budgets",
  tags: ["costs"],
  summary: "Set a monthly budget for a team or a product; 80 % and 100 % raise budget.threshold_crossed once per month",
  description: "Needs `metadata:write` and membership of the team (for a product: its owner team). One budget per team or product.",
  security: bearerSecurity,
  request: jsonBody(CreateBudgetBody),
  responses: { 201: jsonResponse(BudgetOut, "The budget, with this month's spend"), ...errors(400, 401, 403, 409, 413, 415) },
});

export function register(app: Router) {
  app.openapi(route, async (c) => {
    const p = c.get("principal");
    const body = c.req.valid("json");
    const ctx = tenantCtx(c.get("db"), p.tenantId, c.get("controlDb"));
    const scope = await resolveScope(ctx, body.scope, body.scope_id);
    requireTeamWrite(p, scope.ownerTeamId, "metadata:write");
    const { currency } = await getCostSettings(ctx);
    if (body.currency !== undefined && body.currency !== currency) throw invalid("currency", `budgets are kept in the tenant's cost currency, ${currency}`);
    if (await findBudget(ctx, body.scope, scope.id))
      throw conflict(`this ${body.scope} already has a budget; change its limit instead`, [{ path: "scope_id", message: "has a budget" }]);
    const audit = auditSource(c);
    const budget = await createBudget(ctx, audit, {
      scope: body.scope,
      scopeId: scope.id,
      limitMicros: toMicros(body.monthly_limit),
      currency,
      teamId: scope.ownerTeamId,
    }).catch((err) => {
      if (isUniqueViolation(err)) throw conflict(`this ${body.scope} already has a budget`, [{ path: "scope_id", message: "has a budget" }]);
      throw err;
    });
    const period = monthOf(audit.now);
    // This month's spend may already be past a threshold.
    await evaluateBudgets(ctx, c.env.NOTIFY, [period], audit.now, [budget]);
    const [spend, crossings] = await Promise.all([spendOf(ctx, [budget], period), crossingsOf(ctx, [budget.id], period)]);
    return send(c, 201, BudgetOut, budgetOut(budget, scope, period, spend.get(budget.id) ?? 0, crossings));
  });
}
