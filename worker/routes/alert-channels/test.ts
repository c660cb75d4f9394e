import { createRoute } from "@hono/zod-openapi";
import { sendToChannel } from "../../alerting/send";
import { sampleSnapshot } from "../../alerting/sample";
import type { Router } from "../../context";
import { auditInsert } from "../../db/repo/platform/audit";
import { getTeam } from "../../db/repo/accounts/teams";
import { newId } from "../../lib/ids";
import { requireTeamWrite } from "../../lib/principal";
import { auditSource } from "../../lib/request";
import { IdParam, bearerSecurity, errors, jsonResponse, send } from "../shared";
import { loadChannel } from "./load";
import { TestResultOut } from "./schemas";

export const route = createRoute({
  method: "post",
  path: "/alert-channels/{id}/test",
  tags: ["alerting"],
  summary: "Send a test notification now and report what the receiver answered",
  description: "Sent directly, not through the queue, so the answer is immediate. Webhooks receive type `alert.test`, signed like every delivery.",
  security: bearerSecurity,
  request: { params: IdParam },
  responses: { 200: jsonResponse(TestResultOut, "What happened"), ...errors(401, 403, 404) },
});

export function register(app: Router) {
  app.openapi(route, async (c) => {
    const { p, ctx, channel } = await loadChannel(c, c.req.valid("param").id);
    requireTeamWrite(p, channel.teamId, "metadata:write");
    const team = await getTeam(ctx, channel.teamId);
    const now = Date.now();
    const id = newId("delivery");
    const snapshot = sampleSnapshot({ id: team!.id, slug: team!.slug, name: team!.name }, p.actor.label, now);
    const result = await sendToChannel(c.env, ctx, channel, snapshot, id, now, true);
    const source = auditSource(c);
    await auditInsert(ctx, source, {
      action: "alert_channel.tested",
      targetType: "alert_channel",
      targetId: channel.id,
      teamId: channel.teamId,
      details: { outcome: result.outcome },
    });
    const out =
      result.outcome === "sent"
        ? { ok: true, status: "sent" as const, http_status: result.status, message: `Delivered to ${channel.name}.` }
        : result.outcome === "skip"
          ? { ok: false, status: "skipped" as const, http_status: null, message: result.error }
          : { ok: false, status: "failed" as const, http_status: result.status, message: result.error };
    return send(c, 200, TestResultOut, out);
  });
}
