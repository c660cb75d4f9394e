import { createRoute } from "@hono/zod-openapi";
import { queueDeliveries } from "../../alerting/delivery-queue";
import type { Router } from "../../context";
import type { Env } from "../../env";
import { tenantCtx } from "../../db/client";
import { getDelivery, resetForRedelivery } from "../../db/repo/alerting/deliveries";
import { getDeadLetter, markRedelivered } from "../../db/repo/platform/dead-letter-view";
import { conflict, notFound } from "../../lib/errors";
import { canSeeTeamResources, isTenantAdmin, requireScope, requireTeamWrite } from "../../lib/principal";
import { auditSource } from "../../lib/request";
import { IdParam, bearerSecurity, errors, jsonResponse, send } from "../shared";
import { describeDeadLetters } from "./describe";
import { DeadLetterOut } from "./schemas";

export const route = createRoute({
  method: "post",
  path: "/dead-letters/{id}/redeliver",
  tags: ["alerting"],
  summary: "Send a dead alert delivery, notify signal or tool webhook again, to the queue it came from, with its attempts restarted",
  description:
    "A delivery keeps its id, so a webhook receiver that did get it before sees the same `webhook-id`. Dispatch dead letters cannot be redelivered: their task attempt already failed; retry the run from failure instead.",
  security: bearerSecurity,
  request: { params: IdParam },
  responses: { 200: jsonResponse(DeadLetterOut, "The dead letter, now marked redelivered"), ...errors(401, 403, 404, 409) },
});

/** The queue a redeliverable dead letter came from (dispatch dead letters are refused before this). */
function sourceQueue(env: Env, queue: string): Queue<unknown> {
  if (queue === "notify") return env.NOTIFY;
  if (queue === "webhooks") return env.WEBHOOKS;
  throw new Error(`dead letters of queue "${queue}" cannot be redelivered`);
}

export function register(app: Router) {
  app.openapi(route, async (c) => {
    const p = c.get("principal");
    requireScope(p, "read");
    const ctx = tenantCtx(c.get("db"), p.tenantId, c.get("controlDb"));
    const entry = await getDeadLetter(ctx, c.req.valid("param").id);
    const [described] = entry ? await describeDeadLetters(ctx, [entry]) : [];
    const admin = p.actor.type === "user" && isTenantAdmin(p);
    if (!entry || !described || !(admin || (described.team_id !== null && canSeeTeamResources(p, described.team_id)))) throw notFound("dead letter");
    if (entry.queue === "dispatch")
      throw conflict("a dead dispatch cannot be redelivered: its task attempt already failed; retry the run from failure instead");
    if (entry.redeliveredAt) throw conflict("already redelivered");
    if (described.team_id) requireTeamWrite(p, described.team_id, "metadata:write");
    else if (!admin) throw conflict("only tenant admins can redeliver messages that belong to no team");
    const source = auditSource(c);
    if (entry.body.type === "alert.deliver") {
      const delivery = await getDelivery(ctx, String(entry.body.deliveryId));
      if (delivery?.status !== "dead" || !described.redeliverable)
        throw conflict("this delivery is not dead any more (sent, or its channel was deleted or its subscriber unsubscribed)");
      await resetForRedelivery(ctx, source, delivery, entry.id);
      await queueDeliveries(c.env, p.tenantId, [{ id: delivery.id, notBefore: null }], source.now);
    } else {
      await markRedelivered(ctx, source, entry, described.team_id);
      // Back to the queue it died on: a webhook goes to the webhooks consumer (which hands the stored delivery to its
      // run; the engine applies a delivery id once), a signal to alerting.
      await sourceQueue(c.env, entry.queue).send(entry.body);
    }
    const [after] = await describeDeadLetters(ctx, [(await getDeadLetter(ctx, entry.id))!]);
    return send(c, 200, DeadLetterOut, after);
  });
}
