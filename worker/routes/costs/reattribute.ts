import { createRoute, z } from "@hono/zod-openapi";
import type { Router } from "../../context";
import { tenantCtx } from "../../db/client";
import { reattributeCosts } from "../../db/repo/costs/ledger-reattribute";
import { auditInsert } from "../../db/repo/platform/audit";
import { dayStart, isDay } from "../../costs/period";
import { invalid } from "../../lib/errors";
import { requireAdmin } from "../../lib/principal";
import { auditSource } from "../../lib/request";
import { bearerSecurity, errors, jsonBody, jsonResponse, send } from "../shared";
import { afterSpendChanged } from "./after-write";

const Body = z
  .strictObject({
    from: z.string().openapi({ example: "2026-01-01", description: "First day (UTC)" }),
    to: z.string().openapi({ example: "2026-06-30", description: "Last day, inclusive" }),
  })
  .openapi("ReattributeCostsRequest");

const Out = z.object({ records: z.number().int(), days: z.number().int() }).openapi("ReattributeCostsResult");

/** Larger ranges should be split by the caller; one request stays within a Worker's limits. */
const MAX_DAYS = 366;

export const route = createRoute({
  method: "post",
  path: "/costs/reattribute",
  tags: ["costs"],
  summary: "Re-run product attribution for a date range after products or memberships changed (tenant admins)",
  description: "Amounts never change, only their split. Product edits already re-attribute the last 35 days by themselves.",
  security: bearerSecurity,
  request: jsonBody(Body),
  responses: { 200: jsonResponse(Out, "Records re-attributed"), ...errors(400, 401, 403, 413, 415) },
});

export function register(app: Router) {
  app.openapi(route, async (c) => {
    const p = c.get("principal");
    requireAdmin(p);
    const body = c.req.valid("json");
    if (!isDay(body.from)) throw invalid("from", "a day like 2026-01-01");
    if (!isDay(body.to) || body.to < body.from) throw invalid("to", "a day on or after `from`");
    const from = dayStart(body.from);
    const to = dayStart(body.to) + 86_400_000;
    if ((to - from) / 86_400_000 > MAX_DAYS) throw invalid("to", `at most ${MAX_DAYS} days per request`);
    const ctx = tenantCtx(c.get("db"), p.tenantId, c.get("controlDb"));
    const audit = auditSource(c);
    const result = await reattributeCosts(ctx, { from, to }, audit.now);
    await auditInsert(ctx, audit, {
      action: "cost.reattribute",
      targetType: "cost_records",
      targetId: `${body.from}..${body.to}`,
      details: { records: result.records },
    });
    await afterSpendChanged(c, ctx, result.days);
    return send(c, 200, Out, { records: result.records, days: result.days.length });
  });
}
