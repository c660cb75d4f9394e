import { createRoute, z } from "@hono/zod-openapi";
import type { Router } from "../../context";
import { tenantCtx } from "../../db/client";
import { listRuns } from "../../db/repo/runs/runs";
import { decodeCursor, page, pageQuery } from "../../lib/cursor";
import { requireScope } from "../../lib/principal";
import { bearerSecurity, errors, jsonResponse, send } from "../shared";
import { runFilterOf, runFilterQuery } from "./filter";
import { RunOut, runOut } from "./schemas";

const RunList = z.object({ items: z.array(RunOut), next_cursor: z.string().nullable() }).openapi("RunList");
const Cursor = z.object({ q: z.number(), i: z.string() });

export const route = createRoute({
  method: "get",
  path: "/runs",
  tags: ["runs"],
  summary: "Runs, newest first, with filters",
  security: bearerSecurity,
  request: { query: z.object({ ...runFilterQuery, ...pageQuery }) },
  responses: { 200: jsonResponse(RunList, "A page of runs"), ...errors(400, 401, 403) },
});

export function register(app: Router) {
  app.openapi(route, async (c) => {
    const p = c.get("principal");
    requireScope(p, "read");
    const ctx = tenantCtx(c.get("db"), p.tenantId, c.get("controlDb"));
    const q = c.req.valid("query");
    const cursor = decodeCursor(q.cursor, Cursor);
    const filter = await runFilterOf(ctx, q);
    if (!filter) return send(c, 200, RunList, { items: [], next_cursor: null });
    const rows = await listRuns(ctx, { ...filter, before: cursor ? { queuedAt: cursor.q, id: cursor.i } : undefined, limit: q.limit });
    const result = page(rows, q.limit, (r) => ({ q: r.queuedAt, i: r.id }));
    return send(c, 200, RunList, { items: result.items.map(runOut), next_cursor: result.next_cursor });
  });
}
