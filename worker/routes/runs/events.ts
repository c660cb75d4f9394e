import { createRoute, z } from "@hono/zod-openapi";
import type { Router } from "../../context";
import { tenantCtx } from "../../db/client";
import { getRun, listRunEvents } from "../../db/repo/runs";
import { notFound } from "../../lib/errors";
import { requireScope } from "../../lib/principal";
import { bearerSecurity, errors, jsonResponse, send } from "../shared";

const RunEventOut = z
  .object({ seq: z.number().int(), at: z.string(), task: z.string().nullable(), from: z.string(), to: z.string(), reason: z.string() })
  .openapi("RunEvent");
const RunEventList = z.object({ items: z.array(RunEventOut), next_after: z.number().int() });

export const route = createRoute({
  method: "get",
  path: "/runs/{id}/events",
  tags: ["runs"],
  summary: "Every status change of the run and its tasks, in order (pass `after` to follow along)",
  security: bearerSecurity,
  request: {
    params: z.object({ id: z.string().min(1).max(64) }),
    query: z.object({ after: z.coerce.number().int().min(0).default(0), limit: z.coerce.number().int().min(1).max(1000).default(500) }),
  },
  responses: { 200: jsonResponse(RunEventList, "Run events"), ...errors(401, 403, 404) },
});

export function register(app: Router) {
  app.openapi(route, async (c) => {
    const p = c.get("principal");
    requireScope(p, "read");
    const ctx = tenantCtx(c.get("db"), p.tenantId);
    const { id } = c.req.valid("param");
    const q = c.req.valid("query");
    if (!(await getRun(ctx, id))) throw notFound("run");
    const rows = await listRunEvents(ctx, id, q.after, q.limit);
    return send(c, 200, RunEventList, {
      items: rows.map((e) => ({ seq: e.seq, at: new Date(e.at).toISOString(), task: e.taskKey, from: e.fromStatus, to: e.toStatus, reason: e.reason })),
      next_after: rows.length ? rows[rows.length - 1].seq : q.after,
    });
  });
}
