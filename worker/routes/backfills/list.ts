import { createRoute, z } from "@hono/zod-openapi";
import type { Router } from "../../context";
import { tenantCtx } from "../../db/client";
import { getPipelineByName } from "../../db/repo/pipelines/pipelines";
import { listBackfills } from "../../db/repo/runs/backfills";
import { backfillStates, type BackfillState } from "../../engine/backfill-control";
import { decodeCursor, page, pageQuery } from "../../lib/cursor";
import { requireScope } from "../../lib/principal";
import { bearerSecurity, errors, jsonResponse, send } from "../shared";
import { BackfillSummaryOut, backfillSummaryOut } from "./schemas";

const BackfillList = z.object({ items: z.array(BackfillSummaryOut), next_cursor: z.string().nullable() }).openapi("BackfillList");
const Cursor = z.object({ c: z.number(), i: z.string() });

export const route = createRoute({
  method: "get",
  path: "/backfills",
  tags: ["runs"],
  summary: "Backfills, newest first, with their slot counts and state",
  security: bearerSecurity,
  request: {
    query: z.object({
      pipeline: z.string().max(64).optional().openapi({ description: "Pipeline name" }),
      status: z
        .string()
        .optional()
        .refine((s) => !s || s.split(",").every((x) => (backfillStates as readonly string[]).includes(x)), `comma-separated of ${backfillStates.join(", ")}`)
        .openapi({ description: "Comma-separated states" }),
      ...pageQuery,
    }),
  },
  responses: { 200: jsonResponse(BackfillList, "A page of backfills"), ...errors(400, 401, 403) },
});

export function register(app: Router) {
  app.openapi(route, async (c) => {
    const p = c.get("principal");
    requireScope(p, "read");
    const ctx = tenantCtx(c.get("db"), p.tenantId, c.get("controlDb"));
    const q = c.req.valid("query");
    const cursor = decodeCursor(q.cursor, Cursor);
    let pipelineId: string | undefined;
    if (q.pipeline) {
      const pipeline = await getPipelineByName(ctx, q.pipeline);
      if (!pipeline) return send(c, 200, BackfillList, { items: [], next_cursor: null });
      pipelineId = pipeline.id;
    }
    const rows = await listBackfills(ctx, {
      pipelineId,
      states: q.status?.split(",") as BackfillState[] | undefined,
      before: cursor ? { createdAt: cursor.c, id: cursor.i } : undefined,
      limit: q.limit,
    });
    const result = page(rows, q.limit, (b) => ({ c: b.createdAt, i: b.id }));
    return send(c, 200, BackfillList, { items: result.items.map(backfillSummaryOut), next_cursor: result.next_cursor });
  });
}
