import { createRoute, z } from "@hono/zod-openapi";
import type { Router } from "../../context";
import { tenantCtx } from "../../db/client";
import { listCostRecords } from "../../db/repo/costs/ledger-list";
import { decodeCursor, page, pageQuery } from "../../lib/cursor";
import { requireScope } from "../../lib/principal";
import { bearerSecurity, errors, jsonResponse, send, timestamp } from "../shared";
import { CostRecordList, costRecordOut } from "./schemas";

const Query = z.object({
  from: timestamp.optional().openapi({ description: "Started at or after" }),
  to: timestamp.optional().openapi({ description: "Started before" }),
  source: z.string().max(40).optional(),
  team_id: z.string().max(64).optional(),
  pipeline_id: z.string().max(64).optional(),
  product_id: z.string().max(64).optional(),
  run_id: z.string().max(64).optional(),
  ...pageQuery,
});
const Cursor = z.object({ at: z.number(), id: z.string() });

export const route = createRoute({
  method: "get",
  path: "/costs",
  tags: ["costs"],
  summary: "Cost records, newest first, with how each was split across products",
  security: bearerSecurity,
  request: { query: Query },
  responses: { 200: jsonResponse(CostRecordList, "Records"), ...errors(400, 401, 403) },
});

export function register(app: Router) {
  app.openapi(route, async (c) => {
    const p = c.get("principal");
    requireScope(p, "read");
    const q = c.req.valid("query");
    const rows = await listCostRecords(tenantCtx(c.get("db"), p.tenantId, c.get("controlDb")), {
      from: q.from ? Date.parse(q.from) : undefined,
      to: q.to ? Date.parse(q.to) : undefined,
      source: q.source,
      teamId: q.team_id,
      pipelineId: q.pipeline_id,
      productId: q.product_id,
      runId: q.run_id,
      before: decodeCursor(q.cursor, Cursor),
      limit: q.limit,
    });
    const result = page(rows, q.limit, (r) => ({ at: r.startedAt, id: r.id }));
    return send(c, 200, CostRecordList, { items: result.items.map(costRecordOut), next_cursor: result.next_cursor });
  });
}
