import { createRoute, z } from "@hono/zod-openapi";
import type { Router } from "../../context";
import { tenantCtx } from "../../db/client";
import { listRules } from "../../db/repo/alerting/rules";
import { requireScope, visibleTeamIds } from "../../lib/principal";
import { bearerSecurity, errors, jsonResponse, send } from "../shared";
import { RuleList, ruleOut } from "./schemas";

const Query = z.object({ team_id: z.string().max(64).optional().openapi({ description: "Only this team's rules" }) });

export const route = createRoute({
  method: "get",
  path: "/alert-rules",
  tags: ["alerting"],
  summary: "Alert routing rules of the teams the caller may see",
  security: bearerSecurity,
  request: { query: Query },
  responses: { 200: jsonResponse(RuleList, "Rules by team and name"), ...errors(400, 401, 403) },
});

export function register(app: Router) {
  app.openapi(route, async (c) => {
    const p = c.get("principal");
    requireScope(p, "read");
    const { team_id } = c.req.valid("query");
    const visible = visibleTeamIds(p);
    const teamIds = team_id ? (visible === null || visible.includes(team_id) ? [team_id] : []) : visible;
    const rows = await listRules(tenantCtx(c.get("db"), p.tenantId, c.get("controlDb")), teamIds);
    return send(c, 200, RuleList, { items: rows.map(ruleOut) });
  });
}
