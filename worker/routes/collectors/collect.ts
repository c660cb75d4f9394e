import { createRoute, z } from "@hono/zod-openapi";
import type { Router } from "../../context";
import { auditCollectRequest, getCollector } from "../../db/repo/costs/collectors";
import { tenantRuns } from "../../durable/client";
import { unwrap } from "../../durable/result";
import { ApiError, conflict } from "../../lib/errors";
import { auditSource } from "../../lib/request";
import { bearerSecurity, errors, jsonResponse, send } from "../shared";
import { loadCollectorConnection } from "./load";
import { CollectorPassOut, passOut } from "./schemas";

const Params = z.object({ connection_id: z.string().min(1).max(64) });
const Out = CollectorPassOut.extend({
  joined: z.boolean().openapi({ description: "true when this pass was already queued or running: the request started none" }),
}).openapi("CollectNowResult");

export const route = createRoute({
  method: "post",
  path: "/collectors/{connection_id}/collect",
  tags: ["costs"],
  summary: "Run a collector's pass now instead of waiting for its schedule (tenant admins)",
  description:
    "Moves the collector's next pass to now: the engine runs it as it runs scheduled passes, and the next scheduled pass follows it by the collector's interval. " +
    "Answers 202 with the pass to follow (GET /collectors/{connection_id}/runs/{pass id}, also in `Location`). A collector has one pass at a time: while one is queued or running, " +
    "the answer is that pass (`joined: true`). A person may start a pass once a minute per collector; sooner, 429 with Retry-After. A disabled collector answers 409.",
  security: bearerSecurity,
  request: { params: Params },
  responses: { 202: jsonResponse(Out, "The pass to follow"), ...errors(401, 403, 404, 409, 429) },
});

export function register(app: Router) {
  app.openapi(route, async (c) => {
    const { p, ctx, connection } = await loadCollectorConnection(c, c.req.valid("param").connection_id);
    const collector = await getCollector(ctx, connection.id);
    if (!collector?.enabled || collector.kind !== connection.kind)
      throw conflict(`the collector of ${connection.name} is not enabled: enable it first (PUT /collectors/${connection.id})`);
    const answer = unwrap(await tenantRuns(c.env, p.tenantId).requestCollectorPass(p.tenantId, connection.id));
    if (!("pass" in answer)) {
      const retryAfter = Math.max(1, Math.ceil(answer.retryAfterMs / 1000));
      throw new ApiError(
        "rate_limited",
        `a pass of this collector was asked for less than a minute ago; ask again in ${retryAfter} s`,
        [{ path: "connection_id", message: "one pass a minute per collector" }],
        { "Retry-After": String(retryAfter) },
      );
    }
    // The press that queued the pass is the change worth recording; one that joined a pass changed nothing.
    if (!answer.joined) await auditCollectRequest(ctx, auditSource(c), { connectionId: connection.id, teamId: connection.teamId, passId: answer.pass.id });
    c.header("Location", `/api/v1/collectors/${connection.id}/runs/${answer.pass.id}`);
    return send(c, 202, Out, { ...passOut(connection.id, answer.pass, null), joined: answer.joined });
  });
}
