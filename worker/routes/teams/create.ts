import { createRoute } from "@hono/zod-openapi";
import type { Router } from "../../context";
import { tenantCtx } from "../../db/client";
import { createTeam } from "../../db/repo/accounts/teams";
import { isUniqueViolation } from "../../db/unique";
import { conflict, invalid } from "../../lib/errors";
import { requireAdmin } from "../../lib/principal";
import { auditSource } from "../../lib/request";
import { slugify } from "../../lib/slug";
import { bearerSecurity, errors, jsonBody, jsonResponse, send } from "../shared";
import { CreateTeamBody, TeamOut, teamOut } from "./schemas";

export const route = createRoute({
  method: "post",
  path: "/teams",
  tags: ["teams"],
  summary: "Create a team (tenant owners and admins); the creator becomes its maintainer",
  security: bearerSecurity,
  request: jsonBody(CreateTeamBody),
  responses: { 201: jsonResponse(TeamOut, "The new team"), ...errors(400, 401, 403, 409, 413, 415) },
});

export function register(app: Router) {
  app.openapi(route, async (c) => {
    const p = c.get("principal");
    requireAdmin(p);
    const body = c.req.valid("json");
    const slug = body.slug ?? slugify(body.name);
    if (slug.length < 2) throw invalid("name", "needs at least two letters or digits to make a slug");
    const ctx = tenantCtx(c.get("db"), p.tenantId, c.get("controlDb"));
    const team = await createTeam(ctx, auditSource(c), { name: body.name, slug, description: body.description ?? "", creatorId: p.userId }).catch((err) => {
      if (isUniqueViolation(err))
        throw conflict(`a team with slug "${slug}" exists`, [{ path: body.slug ? "slug" : "name", message: `slug "${slug}" is taken` }]);
      throw err;
    });
    return send(c, 201, TeamOut, teamOut(team, 1, { ...p, teams: { ...p.teams, [team.id]: "maintainer" } }));
  });
}
