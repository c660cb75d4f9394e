import { createRoute } from "@hono/zod-openapi";
import type { Router } from "../../context";
import { findTenantUser, getTeamMember, updateTeamMemberRole } from "../../db/repo/accounts/teams";
import { notFound } from "../../lib/errors";
import { requireMayMaintain, requireTeamMaintainer } from "../../lib/principal";
import { auditSource } from "../../lib/request";
import { bearerSecurity, errors, jsonBody, jsonResponse, send } from "../shared";
import { loadTeam } from "./load";
import { TeamMemberOut, TeamMemberParams, UpdateTeamMemberBody, teamMemberOut } from "./schemas";

export const route = createRoute({
  method: "patch",
  path: "/teams/{id}/members/{userId}",
  tags: ["teams"],
  summary: "Change a team member's role (team maintainers and tenant admins)",
  security: bearerSecurity,
  request: { params: TeamMemberParams, ...jsonBody(UpdateTeamMemberBody) },
  responses: { 200: jsonResponse(TeamMemberOut, "The updated team member"), ...errors(400, 401, 403, 404, 413, 415) },
});

export function register(app: Router) {
  app.openapi(route, async (c) => {
    const params = c.req.valid("param");
    const { ctx, team, p } = await loadTeam(c, params.id);
    const member = await getTeamMember(ctx, team.id, params.userId);
    if (!member) throw notFound("team member");
    requireTeamMaintainer(p, team.id);
    const { role } = c.req.valid("json");
    if (role === "maintainer" && role !== member.role) requireMayMaintain((await findTenantUser(ctx, member.userId))?.role ?? "viewer");
    if (role !== member.role) await updateTeamMemberRole(ctx, auditSource(c), team.id, member, role);
    return send(c, 200, TeamMemberOut, teamMemberOut({ ...member, role }));
  });
}
