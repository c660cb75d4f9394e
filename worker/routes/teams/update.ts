import { createRoute } from "@hono/zod-openapi";
import type { Router } from "../../context";
import { getTeamWithCount, updateTeam } from "../../db/repo/accounts/teams";
import { requireTeamMaintainer } from "../../lib/principal";
import { auditSource } from "../../lib/request";
import { IdParam, bearerSecurity, errors, jsonBody, jsonResponse, send } from "../shared";
import { loadTeam } from "./load";
import { TeamOut, UpdateTeamBody, teamOut } from "./schemas";

export const route = createRoute({
  method: "patch",
  path: "/teams/{id}",
  tags: ["teams"],
  summary: "Rename a team or change its description (team maintainers and tenant admins)",
  security: bearerSecurity,
  request: { params: IdParam, ...jsonBody(UpdateTeamBody) },
  responses: { 200: jsonResponse(TeamOut, "The updated team"), ...errors(400, 401, 403, 404, 413, 415) },
});

export function register(app: Router) {
  app.openapi(route, async (c) => {
    const { ctx, team, p } = await loadTeam(c, c.req.valid("param").id);
    requireTeamMaintainer(p, team.id);
    const updated = await updateTeam(ctx, auditSource(c), team, c.req.valid("json"));
    const counted = await getTeamWithCount(ctx, team.id);
    return send(c, 200, TeamOut, teamOut(updated, counted?.memberCount ?? 0, p));
  });
}
