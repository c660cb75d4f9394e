import { createRoute } from "@hono/zod-openapi";
import type { Router } from "../../context";
import { getTeamWithCount } from "../../db/repo/accounts/teams";
import { requireScope } from "../../lib/principal";
import { IdParam, bearerSecurity, errors, jsonResponse, send } from "../shared";
import { loadTeam } from "./load";
import { TeamOut, teamOut } from "./schemas";

export const route = createRoute({
  method: "get",
  path: "/teams/{id}",
  tags: ["teams"],
  summary: "Get a team",
  security: bearerSecurity,
  request: { params: IdParam },
  responses: { 200: jsonResponse(TeamOut, "The team"), ...errors(401, 403, 404) },
});

export function register(app: Router) {
  app.openapi(route, async (c) => {
    requireScope(c.get("principal"), "read");
    const { ctx, team, p } = await loadTeam(c, c.req.valid("param").id);
    const counted = await getTeamWithCount(ctx, team.id);
    return send(c, 200, TeamOut, teamOut(team, counted?.memberCount ?? 0, p));
  });
}
