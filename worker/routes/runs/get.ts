import { createRoute, z } from "@hono/zod-openapi";
import type { Router } from "../../context";
import { tenantCtx } from "../../db/client";
import { getRunDetail } from "../../db/repo/runs/runs";
import { isTerminalRun } from "../../engine/states";
import { notFound } from "../../lib/errors";
import { longPoll } from "../../lib/long-poll";
import { requireScope } from "../../lib/principal";
import { bearerSecurity, errors, jsonResponse, send } from "../shared";
import { RunDetailOut, runDetailOut } from "./schemas";

export const route = createRoute({
  method: "get",
  path: "/runs/{id}",
  tags: ["runs"],
  summary: "A run with its tasks and attempts; `wait=N` long-polls up to N seconds until the run ends",
  security: bearerSecurity,
  request: {
    params: z.object({ id: z.string().min(1).max(64) }),
    query: z.object({ wait: z.coerce.number().int().min(0).max(60).default(0).openapi({ description: "Seconds to wait for a terminal status" }) }),
  },
  responses: { 200: jsonResponse(RunDetailOut, "The run"), ...errors(401, 403, 404) },
});

export function register(app: Router) {
  app.openapi(route, async (c) => {
    const p = c.get("principal");
    requireScope(p, "read");
    const ctx = tenantCtx(c.get("db"), p.tenantId, c.get("controlDb"));
    const { id } = c.req.valid("param");
    const deadline = Date.now() + c.req.valid("query").wait * 1000;
    const first = await getRunDetail(ctx, id);
    if (!first) throw notFound("run");
    // Reads D1 (written through on every transition) rather than holding the Durable Object.
    const detail = await longPoll(
      first,
      async () => (await getRunDetail(ctx, id)) ?? first,
      (d) => isTerminalRun(d.run.status),
      { deadline, signal: c.req.raw.signal },
    );
    return send(c, 200, RunDetailOut, runDetailOut(detail));
  });
}
