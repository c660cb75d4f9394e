import { createRoute, z } from "@hono/zod-openapi";
import type { Router } from "../../context";
import { tenantCtx } from "../../db/client";
import { listCollectorOverview } from "../../db/repo/costs/collectors";
import { collectorKinds } from "../../db/schema";
import { requireAdmin } from "../../lib/principal";
import { bearerSecurity, errors, jsonResponse, send } from "../shared";
import { livePasses } from "./passes";
import { CollectorOut, collectorOut } from "./schemas";

const Out = z.object({ items: z.array(CollectorOut) }).openapi("CollectorList");

export const route = createRoute({
  method: "get",
  path: "/collectors",
  tags: ["costs"],
  summary:
    "Collectors: every Snowflake, Databricks, BigQuery, AWS, Airbyte, Fivetran, Looker and Power BI connection, whether it collects, its last pass and the next (tenant admins)",
  security: bearerSecurity,
  responses: { 200: jsonResponse(Out, "One entry per connection that can collect"), ...errors(401, 403) },
});

export function register(app: Router) {
  app.openapi(route, async (c) => {
    const p = c.get("principal");
    requireAdmin(p);
    const [rows, passes] = await Promise.all([
      listCollectorOverview(tenantCtx(c.get("db"), p.tenantId, c.get("controlDb")), collectorKinds),
      livePasses(c.env, p.tenantId),
    ]);
    return send(c, 200, Out, { items: rows.map((o) => collectorOut(o, passes.get(o.connection_id) ?? null)) });
  });
}
