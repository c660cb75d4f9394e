import { createRoute, z } from "@hono/zod-openapi";
import type { Router } from "../../context";
import { tenantCtx } from "../../db/client";
import { getRun, listRunEvents } from "../../db/repo/runs/runs";
import { isTerminalRun } from "../../engine/states";
import { notFound } from "../../lib/errors";
import { longPoll } from "../../lib/long-poll";
import { requireScope } from "../../lib/principal";
import { bearerSecurity, errors, jsonResponse, send } from "../shared";

const RunEventOut = z
  .object({ seq: z.number().int(), at: z.string(), task: z.string().nullable(), from: z.string(), to: z.string(), reason: z.string() })
  .openapi("RunEvent");
const RunEventList = z.object({ items: z.array(RunEventOut), next_after: z.number().int() }).openapi("RunEventList");

export const route = createRoute({
  method: "get",
  path: "/runs/{id}/events",
  tags: ["runs"],
  summary: "Every status change of the run and its tasks, in order (pass `after` to follow along; `wait=N` long-polls for the next change)",
  security: bearerSecurity,
  request: {
    params: z.object({ id: z.string().min(1).max(64) }),
    query: z.object({
      after: z.coerce.number().int().min(0).default(0),
      limit: z.coerce.number().int().min(1).max(1000).default(500),
      wait: z.coerce.number().int().min(0).max(60).default(0).openapi({
        description: "Seconds to wait for an event after `after`; answers at once when there is one or the run has ended (empty items at the deadline)",
      }),
    }),
  },
  responses: { 200: jsonResponse(RunEventList, "Run events"), ...errors(401, 403, 404) },
});

export function register(app: Router) {
  app.openapi(route, async (c) => {
    const p = c.get("principal");
    requireScope(p, "read");
    const ctx = tenantCtx(c.get("db"), p.tenantId, c.get("controlDb"));
    const { id } = c.req.valid("param");
    const q = c.req.valid("query");
    const run = await getRun(ctx, id);
    if (!run) throw notFound("run");
    const deadline = Date.now() + q.wait * 1000;
    const read = async () => {
      const [rows, latest] = await Promise.all([listRunEvents(ctx, id, q.after, q.limit), getRun(ctx, id)]);
      return { rows, status: latest?.status ?? run.status };
    };
    // Reads D1 like GET /runs/{id}?wait: events are written in the same batch as the run and its tasks.
    const first = { rows: await listRunEvents(ctx, id, q.after, q.limit), status: run.status };
    const { rows } = await longPoll(first, read, (v) => v.rows.length > 0 || isTerminalRun(v.status), { deadline, signal: c.req.raw.signal });
    return send(c, 200, RunEventList, {
      items: rows.map((e) => ({ seq: e.seq, at: new Date(e.at).toISOString(), task: e.taskKey, from: e.fromStatus, to: e.toStatus, reason: e.reason })),
      next_after: rows.length ? rows[rows.length - 1].seq : q.after,
    });
  });
}
