import { createRoute } from "@hono/zod-openapi";
import type { Router } from "../../context";
import { updateRule, type RuleInput } from "../../db/repo/alerting/rules";
import { isUniqueViolation } from "../../db/unique";
import { conflict } from "../../lib/errors";
import { requireTeamWrite } from "../../lib/principal";
import { auditSource } from "../../lib/request";
import { IdParam, bearerSecurity, errors, jsonBody, jsonResponse, send } from "../shared";
import { checkChannels, escalationMs, loadRule } from "./load";
import { RuleOut, UpdateRuleBody, ruleOut } from "./schemas";

export const route = createRoute({
  method: "patch",
  path: "/alert-rules/{id}",
  tags: ["alerting"],
  summary: "Change a rule; fields not sent keep their values",
  security: bearerSecurity,
  request: { params: IdParam, ...jsonBody(UpdateRuleBody) },
  responses: { 200: jsonResponse(RuleOut, "The updated rule"), ...errors(400, 401, 403, 404, 409, 413, 415) },
});

export function register(app: Router) {
  app.openapi(route, async (c) => {
    const { p, ctx, rule } = await loadRule(c, c.req.valid("param").id);
    requireTeamWrite(p, rule.teamId, "metadata:write");
    const b = c.req.valid("json");
    await checkChannels(ctx, rule.teamId, { channel_ids: b.channel_ids, escalate_channel_ids: b.escalate_channel_ids });
    const patch: Partial<RuleInput> = {};
    if (b.name !== undefined) patch.name = b.name;
    if (b.enabled !== undefined) patch.enabled = b.enabled;
    if (b.kinds !== undefined) patch.kinds = [...new Set(b.kinds)];
    if (b.min_severity !== undefined) patch.minSeverity = b.min_severity;
    if (b.pipelines !== undefined) patch.pipelines = b.pipelines;
    if (b.products !== undefined) patch.products = b.products;
    if (b.tags !== undefined) patch.tags = b.tags;
    if (b.channel_ids !== undefined) patch.channelIds = [...new Set(b.channel_ids)];
    if (b.quiet_hours !== undefined) patch.quietHours = b.quiet_hours;
    if (b.escalate_after !== undefined) patch.escalateAfterMs = escalationMs(b.escalate_after);
    if (b.escalate_channel_ids !== undefined) patch.escalateChannelIds = [...new Set(b.escalate_channel_ids)];
    const updated = await updateRule(ctx, auditSource(c), rule, patch).catch((err) => {
      if (isUniqueViolation(err)) throw conflict(`the team already has a rule named "${b.name}"`, [{ path: "name", message: "taken in this team" }]);
      throw err;
    });
    return send(c, 200, RuleOut, ruleOut(updated));
  });
}
