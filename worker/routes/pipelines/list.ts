import { createRoute, z } from "@hono/zod-openapi";
import type { Router } from "../../context";
import { tenantCtx } from "../../db/client";
import { listPipelines } from "../../db/repo/pipelines/pipelines";
import { decodeCursor, page, pageQuery } from "../../lib/cursor";
import { requireScope } from "../../lib/principal";
import { bearerSecurity, errors, jsonResponse, send } from "../shared";
import { pipelineActivity } from "./activity";
import { PipelineList, pipelineOut, queryBool } from "./schemas";

const Query = z.object({
  team_id: z.string().max(64).optional().openapi({ description: "Only this team's pipelines" }),
  q: z.string().trim().min(1).max(100).optional().openapi({ description: "Substring of the name or description (case-insensitive)" }),
  paused: queryBool.openapi({ description: "Only paused (true) or active (false) pipelines" }),
  include_archived: queryBool.openapi({ description: "Include archived pipelines (default false)" }),
  ...pageQuery,
});
const Cursor = z.object({ name: z.string() });

export const route = createRoute({
  method: "get",
  path: "/pipelines",
  tags: ["pipelines"],
  summary: "List the tenant's pipelines with team, schedule, next scheduled run, paused state, current version and latest runs",
  security: bearerSecurity,
  request: { query: Query },
  responses: { 200: jsonResponse(PipelineList, "Pipelines ordered by name"), ...errors(400, 401, 403) },
});

export function register(app: Router) {
  app.openapi(route, async (c) => {
    const p = c.get("principal");
    requireScope(p, "read");
    const q = c.req.valid("query");
    const ctx = tenantCtx(c.get("db"), p.tenantId, c.get("controlDb"));
    const rows = await listPipelines(ctx, {
      teamId: q.team_id,
      q: q.q,
      paused: q.paused,
      includeArchived: q.include_archived ?? false,
      after: decodeCursor(q.cursor, Cursor)?.name,
      limit: q.limit,
    });
    const result = page(rows, q.limit, (r) => ({ name: r.pipeline.name }));
    const activity = await pipelineActivity(
      ctx,
      result.items.map((r) => r.pipeline),
      c.get("clock").now(),
    );
    return send(c, 200, PipelineList, {
      items: result.items.map((r) => ({ ...pipelineOut(r.pipeline, r.team), ...activity.get(r.pipeline.id)! })),
      next_cursor: result.next_cursor,
    });
  });
}
