import { createRoute } from "@hono/zod-openapi";
import type { Router } from "../../context";
import { tenantCtx } from "../../db/client";
import { createRule } from "../../db/repo/alerting/rules";
import { getTeam } from "../../db/repo/accounts/teams";
import { isUniqueViolation } from "../../db/unique";
import { conflict, invalid } from "../../lib/errors";
import { requireTeamWrite } from "../../lib/principal";
import { auditSource } from "../../lib/request";
import { bearerSecurity, errors, jsonBody, jsonResponse, send } from "../shared";
import { checkChannels, escalationMs } from "./load";
import { CreateRuleBody, RuleOut, ruleOut } from "./schemas";

export const route = createRoute({
  method: "post",
  path: "/alert-rules",
  tags: ["alerting"],
  summary: "Create a team's alert rule: which alerts go to which of its channels",
  description: "A team without rules gets every warning or critical alert routed to it on all its enabled channels; once it has rules, the rules decide.",
  security: bearerSecurity,
  request: jsonBody(CreateRuleBody),
  responses: { 201: jsonResponse(RuleOut, "The new rule"), ...errors(400, 401, 403, 409, 413, 415) },
});

export function register(app: Router) {
  app.openapi(route, async (c) => {
    const p = c.get("principal");
    const body = c.req.valid("json");
    requireTeamWrite(p, body.team_id, "metadata:write");
    const ctx = tenantCtx(c.get("db"), p.tenantId, c.get("controlDb"));
    if (!(await getTeam(ctx, body.team_id))) throw invalid("team_id", "no such team");
    await checkChannels(ctx, body.team_id, { channel_ids: body.channel_ids, escalate_channel_ids: body.escalate_channel_ids });
    const rule = await createRule(ctx, auditSource(c), body.team_id, p.userId, {
      name: body.name,
      enabled: body.enabled,
      kinds: [...new Set(body.kinds)],
      minSeverity: body.min_severity,
      pipelines: body.pipelines,
      products: body.products,
      tags: body.tags,
      channelIds: [...new Set(body.channel_ids)],
      quietHours: body.quiet_hours,
      escalateAfterMs: escalationMs(body.escalate_after),
      escalateChannelIds: [...new Set(body.escalate_channel_ids)],
    }).catch((err) => {
      if (isUniqueViolation(err)) throw conflict(`the team already has a rule named "${body.name}"`, [{ path: "name", message: "taken in this team" }]);
      throw err;
    });
    return send(c, 201, RuleOut, ruleOut(rule));
  });
}
