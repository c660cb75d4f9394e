import { createRoute } from "@hono/zod-openapi";
import type { Router } from "../../context";
import { getTeamMember, removeTeamMember } from "../../db/repo/accounts/teams";
import { notFound } from "../../lib/errors";
import { requireTeamMaintainer } from "../../lib/principal";
import { auditSource } from "../../lib/request";
import { bearerSecurity, errors } from "../shared";
import { loadTeam } from "./load";
import { TeamMemberParams } from "./schemas";

export const route = createRoute({
  method: "delete",
  path: "/teams/{id}/members/{userId}",
  tags: ["teams"],
  summary: "Remove a member from the team (team maintainers and tenant admins)",
  security: bearerSecurity,
  request: { params: TeamMemberParams },
  responses: { 204: { description: "Removed" }, ...errors(401, 403, 404) },
});

export function register(app: Router) {
  app.openapi(route, async (c) => {
    const params = c.req.valid("param");
    const { ctx, team, p } = await loadTeam(c, params.id);
    const member = await getTeamMember(ctx, team.id, params.userId);
    if (!member) throw notFound("team member");
    requireTeamMaintainer(p, team.id);
    await removeTeamMember(ctx, auditSource(c), team.id, member);
    return c.body(null, 204);
  });
}
