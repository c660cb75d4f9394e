import { createRoute, z } from "@hono/zod-openapi";
import { resolveAlert } from "../../alerting/lifecycle";
import { stopEscalation } from "../../alerting/escalation";
import type { Router } from "../../context";
import { getAlert, impactsOf } from "../../db/repo/alerting/alerts";
import { setAcknowledged } from "../../db/repo/alerting/alert-writes";
import { conflict } from "../../lib/errors";
import { auditSource } from "../../lib/request";
import { IdParam, bearerSecurity, errors, jsonResponse, send } from "../shared";
import { alertDetail } from "./detail";
import { actorOf, loadAlert, requireAlertWrite } from "./load";
import { AlertDetailOut } from "./schemas";

const ResolveBody = z
  .strictObject({ reason: z.string().trim().min(1).max(1000).optional().openapi({ description: "Shown on the timeline and in the resolution notification" }) })
  .openapi("ResolveAlertRequest");

const acknowledgeRoute = createRoute({
  method: "post",
  path: "/alerts/{id}/acknowledge",
  tags: ["alerts"],
  summary: "Acknowledge an open alert: someone is on it, and re-notifications stop",
  security: bearerSecurity,
  request: { params: IdParam },
  responses: { 200: jsonResponse(AlertDetailOut, "The alert"), ...errors(401, 403, 404, 409) },
});

const unacknowledgeRoute = createRoute({
  method: "post",
  path: "/alerts/{id}/unacknowledge",
  tags: ["alerts"],
  summary: "Put an acknowledged alert back to open",
  security: bearerSecurity,
  request: { params: IdParam },
  responses: { 200: jsonResponse(AlertDetailOut, "The alert"), ...errors(401, 403, 404, 409) },
});

const resolveRoute = createRoute({
  method: "post",
  path: "/alerts/{id}/resolve",
  tags: ["alerts"],
  summary: "Resolve an alert by hand; the channels that were told it opened are told it is resolved",
  security: bearerSecurity,
  request: { params: IdParam, body: { required: false, content: { "application/json": { schema: ResolveBody } } } },
  responses: { 200: jsonResponse(AlertDetailOut, "The resolved alert"), ...errors(400, 401, 403, 404, 409) },
});

export function register(app: Router) {
  for (const [route, acknowledged] of [
    [acknowledgeRoute, true],
    [unacknowledgeRoute, false],
  ] as const) {
    app.openapi(route, async (c) => {
      const { p, ctx, alert } = await loadAlert(c, c.req.valid("param").id);
      requireAlertWrite(p, alert, await impactsOf(ctx, [alert.id]));
      const expected = acknowledged ? "open" : "acknowledged";
      if (alert.status !== expected)
        throw conflict(`the alert is ${alert.status}; only ${expected} alerts can be ${acknowledged ? "acknowledged" : "put back to open"}`);
      await setAcknowledged(ctx, auditSource(c), actorOf(p), alert, acknowledged);
      if (acknowledged) await stopEscalation(c.env, p.tenantId, alert.id);
      return send(c, 200, AlertDetailOut, await alertDetail(ctx, (await getAlert(ctx, alert.id))!));
    });
  }

  app.openapi(resolveRoute, async (c) => {
    const { p, ctx, alert } = await loadAlert(c, c.req.valid("param").id);
    requireAlertWrite(p, alert, await impactsOf(ctx, [alert.id]));
    if (alert.status === "resolved") throw conflict("the alert is already resolved");
    const body = c.req.valid("json") ?? {};
    const source = auditSource(c);
    await resolveAlert(c.env, ctx, alert, {
      at: source.now,
      actor: actorOf(p),
      reason: body.reason ?? `Resolved by ${p.actor.label}.`,
      signalKey: null,
      audit: source,
    });
    return send(c, 200, AlertDetailOut, await alertDetail(ctx, (await getAlert(ctx, alert.id))!));
  });
}
