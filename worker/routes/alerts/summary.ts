import { createRoute, z } from "@hono/zod-openapi";
import { alertSeverities } from "../../alerting/kinds";
import type { Router } from "../../context";
import { tenantCtx } from "../../db/client";
import { alertCounts } from "../../db/repo/alerting/alerts";
import { requireScope } from "../../lib/principal";
import { bearerSecurity, errors, jsonResponse, send } from "../shared";

const Counts = z.object(Object.fromEntries(alertSeverities.map((s) => [s, z.number().int()])) as Record<(typeof alertSeverities)[number], z.ZodNumber>);
const AlertSummary = z
  .object({
    open: z.number().int(),
    acknowledged: z.number().int(),
    open_by_severity: Counts,
  })
  .openapi("AlertSummary");

export const route = createRoute({
  method: "get",
  path: "/alerts/summary",
  tags: ["alerts"],
  summary: "How many alerts are open and acknowledged (the navigation badge)",
  security: bearerSecurity,
  responses: { 200: jsonResponse(AlertSummary, "Counts of unresolved alerts"), ...errors(401, 403) },
});

export function register(app: Router) {
  app.openapi(route, async (c) => {
    const p = c.get("principal");
    requireScope(p, "read");
    const rows = await alertCounts(tenantCtx(c.get("db"), p.tenantId, c.get("controlDb")));
    const out = { open: 0, acknowledged: 0, open_by_severity: { info: 0, warning: 0, critical: 0 } };
    for (const r of rows) {
      if (r.status === "open") {
        out.open += r.n;
        out.open_by_severity[r.severity] += r.n;
      } else if (r.status === "acknowledged") out.acknowledged += r.n;
    }
    return send(c, 200, AlertSummary, out);
  });
}
