import { createRoute, z } from "@hono/zod-openapi";
import type { Router } from "../../context";
import { tenantCtx } from "../../db/client";
import { getPipelineByName } from "../../db/repo/pipelines/pipelines";
import { listRuns } from "../../db/repo/runs/runs";
import { triggerKinds } from "../../db/schema/runs";
import { runStatuses } from "../../engine/states";
import { decodeCursor, page, pageQuery } from "../../lib/cursor";
import { requireScope } from "../../lib/principal";
import { bearerSecurity, errors, jsonResponse, send } from "../shared";
import { RunOut, runOut } from "./schemas";

const RunList = z.object({ items: z.array(RunOut), next_cursor: z.string().nullable() }).openapi("RunList");
const Cursor = z.object({ q: z.number(), i: z.string() });

export const route = createRoute({
  method: "get",
  path: "/runs",
  tags: ["runs"],
  summary: "Runs, newest first, with filters",
  security: bearerSecurity,
  request: {
    query: z.object({
      pipeline: z.string().max(64).optional().openapi({ description: "Pipeline name" }),
      status: z
        .string()
        .optional()
        .refine((s) => !s || s.split(",").every((x) => (runStatuses as readonly string[]).includes(x)), `comma-separated of ${runStatuses.join(", ")}`)
        .openapi({ description: "Comma-separated statuses" }),
      trigger: z.enum(triggerKinds).optional(),
      team_id: z.string().max(64).optional(),
      backfill_id: z.string().max(64).optional(),
      environment: z.string().max(32).optional(),
      ...pageQuery,
    }),
  },
  responses: { 200: jsonResponse(RunList, "A page of runs"), ...errors(400, 401, 403) },
});

export function register(app: Router) {
  app.openapi(route, async (c) => {
    const p = c.get("principal");
    requireScope(p, "read");
    const ctx = tenantCtx(c.get("db"), p.tenantId);
    const q = c.req.valid("query");
    const cursor = decodeCursor(q.cursor, Cursor);
    let pipelineId: string | undefined;
    if (q.pipeline) {
      const pipeline = await getPipelineByName(ctx, q.pipeline);
      if (!pipeline) return send(c, 200, RunList, { items: [], next_cursor: null });
      pipelineId = pipeline.id;
    }
    const rows = await listRuns(ctx, {
      pipelineId,
      status: q.status?.split(","),
      triggerKind: q.trigger,
      teamId: q.team_id,
      backfillId: q.backfill_id,
      environment: q.environment,
      before: cursor ? { queuedAt: cursor.q, id: cursor.i } : undefined,
      limit: q.limit,
    });
    const result = page(rows, q.limit, (r) => ({ q: r.queuedAt, i: r.id }));
    return send(c, 200, RunList, { items: result.items.map(runOut), next_cursor: result.next_cursor });
  });
}
