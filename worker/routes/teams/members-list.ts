import { createRoute } from "@hono/zod-openapi";
import type { Router } from "../../context";
import { listTeamMembers } from "../../db/repo/accounts/teams";
import { requireScope } from "../../lib/principal";
import { IdParam, bearerSecurity, errors, jsonResponse, send } from "../shared";
import { loadTeam } from "./load";
import { TeamMemberList, teamMemberOut } from "./schemas";

export const route = createRoute({
  method: "get",
  path: "/teams/{id}/members",
  tags: ["teams"],
  summary: "List a team's members",
  security: bearerSecurity,
  request: { params: IdParam },
  responses: { 200: jsonResponse(TeamMemberList, "Members ordered by name"), ...errors(401, 403, 404) },
});

export function register(app: Router) {
  app.openapi(route, async (c) => {
    requireScope(c.get("principal"), "read");
    const { ctx, team } = await loadTeam(c, c.req.valid("param").id);
    const members = await listTeamMembers(ctx, team.id);
    return send(c, 200, TeamMemberList, { items: members.map(teamMemberOut) });
  });
}
