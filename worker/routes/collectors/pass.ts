import { createRoute, z } from "@hono/zod-openapi";
import type { Router } from "../../context";
import { getCollectorRun } from "../../db/repo/costs/collectors";
import { notFound } from "../../lib/errors";
import { bearerSecurity, errors, jsonResponse, send } from "../shared";
import { loadCollectorConnection } from "./load";
import { livePasses } from "./passes";
import { CollectorPassOut, passOut } from "./schemas";

const Params = z.object({ connection_id: z.string().min(1).max(64), pass_id: z.string().min(1).max(64) });

export const route = createRoute({
  method: "get",
  path: "/collectors/{connection_id}/runs/{pass_id}",
  tags: ["costs"],
  summary: "One collector pass: queued, running, or finished with what it read and wrote (tenant admins)",
  description: "Follows a pass started by POST /collectors/{connection_id}/collect. A pass dropped before it ran (its collector was disabled) is not found.",
  security: bearerSecurity,
  request: { params: Params },
  responses: { 200: jsonResponse(CollectorPassOut, "The pass"), ...errors(400, 401, 403, 404) },
});

export function register(app: Router) {
  app.openapi(route, async (c) => {
    const { connection_id, pass_id } = c.req.valid("param");
    const { p, ctx, connection } = await loadCollectorConnection(c, connection_id);
    // The engine first, then D1: a pass is recorded in D1 before the engine lets it go, so one that ends between
    // the two reads is found in one or the other.
    const live = (await livePasses(c.env, p.tenantId)).get(connection.id);
    if (live?.id === pass_id) return send(c, 200, CollectorPassOut, passOut(connection.id, live, null));
    const run = await getCollectorRun(ctx, connection.id, pass_id);
    if (!run) throw notFound("collector pass");
    return send(c, 200, CollectorPassOut, passOut(connection.id, null, run));
  });
}
