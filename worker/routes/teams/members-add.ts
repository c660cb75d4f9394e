import { createRoute } from "@hono/zod-openapi";
import type { Router } from "../../context";
import { addTeamMember, findTenantUser } from "../../db/repo/accounts/teams";
import { isUniqueViolation } from "../../db/unique";
import { conflict, invalid } from "../../lib/errors";
import { requireMayMaintain, requireTeamMaintainer } from "../../lib/principal";
import { auditSource } from "../../lib/request";
import { IdParam, bearerSecurity, errors, jsonBody, jsonResponse, send } from "../shared";
import { loadTeam } from "./load";
import { AddTeamMemberBody, TeamMemberOut } from "./schemas";

export const route = createRoute({
  method: "post",
  path: "/teams/{id}/members",
  tags: ["teams"],
  summary: "Add a tenant member to the team (team maintainers and tenant admins)",
  security: bearerSecurity,
  request: { params: IdParam, ...jsonBody(AddTeamMemberBody) },
  responses: { 201: jsonResponse(TeamMemberOut, "The new team member"), ...errors(400, 401, 403, 404, 409, 413, 415) },
});

export function register(app: Router) {
  app.openapi(route, async (c) => {
    const { ctx, team, p } = await loadTeam(c, c.req.valid("param").id);
    requireTeamMaintainer(p, team.id);
    const body = c.req.valid("json");
    const user = await findTenantUser(ctx, body.user_id);
    if (!user) throw invalid("user_id", "not a member of this tenant; invite them first");
    if (body.role === "maintainer") requireMayMaintain(user.role);
    await addTeamMember(ctx, auditSource(c), team.id, user, body.role).catch((err) => {
      if (isUniqueViolation(err)) throw conflict("already a member of this team", [{ path: "user_id", message: "already a member of this team" }]);
      throw err;
    });
    return send(c, 201, TeamMemberOut, { user_id: user.userId, email: user.email, name: user.name, role: body.role });
  });
}
