import { createRoute, z } from "@hono/zod-openapi";
import type { Router } from "../../context";
import { csv } from "../../costs/explorer";
import { fromMicros } from "../../costs/money";
import { bearerSecurity, errors } from "../shared";
import { ExplorerQuery, runExplorer } from "./explorer-query";

export const route = createRoute({
  method: "get",
  path: "/costs/export",
  tags: ["costs"],
  summary: "The cost explorer's table as CSV: one row per bucket and group (non-zero amounts)",
  security: bearerSecurity,
  request: { query: ExplorerQuery },
  responses: {
    200: { description: "CSV with a header row: period, <group>, <group>_id, amount, currency", content: { "text/csv": { schema: z.string() } } },
    ...errors(400, 401, 403),
  },
});

export function register(app: Router) {
  app.openapi(route, async (c) => {
    const r = await runExplorer(c, c.req.valid("query"));
    const rows: Array<Array<string | number>> = [["period", r.groupBy, `${r.groupBy}_id`, "amount", "currency"]];
    r.buckets.forEach((bucket, i) => {
      for (const s of r.series) if (s.amountsMicros[i] !== 0) rows.push([bucket, s.label, s.key, fromMicros(s.amountsMicros[i]), r.currency]);
    });
    const name = `tutti-costs-${r.from}-to-${r.to}-by-${r.groupBy}-${r.granularity}.csv`;
    return c.body(csv(rows), 200, { "content-type": "text/csv; charset=utf-8", "content-disposition": `attachment; filename="${name}"` });
  });
}
