import { createRoute, z } from "@hono/zod-openapi";
import type { Router } from "../../context";
import { tenantCtx } from "../../db/client";
import { pageDeadLetters } from "../../db/repo/platform/dead-letter-view";
import { decodeCursor, page, pageQuery } from "../../lib/cursor";
import { canSeeTeamResources, isTenantAdmin, requireScope } from "../../lib/principal";
import { bearerSecurity, errors, jsonResponse, send } from "../shared";
import { describeDeadLetters } from "./describe";
import { DeadLetterList } from "./schemas";

const Query = z.object({
  queue: z.enum(["dispatch", "notify", "webhooks"]).optional(),
  pending: z.enum(["true", "false"]).optional().openapi({ description: "true: only those not redelivered yet" }),
  ...pageQuery,
});
const Cursor = z.object({ at: z.number(), id: z.string() });

export const route = createRoute({
  method: "get",
  path: "/dead-letters",
  tags: ["alerting"],
  summary: "Queue messages that exhausted their retries: alert deliveries, signals, tool webhooks and task dispatches, newest first",
  description: "Each entry is shown to members of the team it concerns and to tenant admins.",
  security: bearerSecurity,
  request: { query: Query },
  responses: { 200: jsonResponse(DeadLetterList, "Dead letters"), ...errors(400, 401, 403) },
});

export function register(app: Router) {
  app.openapi(route, async (c) => {
    const p = c.get("principal");
    requireScope(p, "read");
    const q = c.req.valid("query");
    const ctx = tenantCtx(c.get("db"), p.tenantId, c.get("controlDb"));
    const rows = await pageDeadLetters(ctx, { queue: q.queue, pendingOnly: q.pending === "true", before: decodeCursor(q.cursor, Cursor), limit: q.limit });
    const result = page(rows, q.limit, (r) => ({ at: r.at, id: r.id }));
    const admin = p.actor.type === "user" && isTenantAdmin(p);
    const items = (await describeDeadLetters(ctx, result.items)).filter((d) => admin || (d.team_id !== null && canSeeTeamResources(p, d.team_id)));
    return send(c, 200, DeadLetterList, { items, next_cursor: result.next_cursor });
  });
}
