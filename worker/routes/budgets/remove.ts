import { createRoute } from "@hono/zod-openapi";
import type { Router } from "../../context";
import { tenantCtx } from "../../db/client";
import { deleteBudget, getBudget } from "../../db/repo/costs/budgets";
import { notFound } from "../../lib/errors";
import { requireTeamWrite } from "../../lib/principal";
import { auditSource } from "../../lib/request";
import { IdParam, bearerSecurity, errors } from "../shared";
import { resolveScope } from "./scope";

export const route = createRoute({
  method: "delete",
  path: "/budgets/{id}",
  tags: ["costs"],
  summary: "Remove a budget",
  security: bearerSecurity,
  request: { params: IdParam },
  responses: { 204: { description: "Removed" }, ...errors(401, 403, 404) },
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
    await deleteBudget(ctx, auditSource(c), budget, scope.ownerTeamId);
    return c.body(null, 204);
  });
}
