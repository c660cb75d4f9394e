import { createRoute } from "@hono/zod-openapi";
import type { Router } from "../../context";
import { deleteEnvironment, getEnvironment } from "../../db/repo/connections/environments";
import { notFound } from "../../lib/errors";
import { requireTeamSecretsWrite } from "../../lib/principal";
import { auditSource } from "../../lib/request";
import { bearerSecurity, errors } from "../shared";
import { loadTeam } from "../teams/load";
import { EnvParams } from "./schemas";

export const route = createRoute({
  method: "delete",
  path: "/teams/{id}/environments/{name}",
  tags: ["environments"],
  summary: "Delete an environment's declaration (deleting `prod`'s bindings makes prod bind every name to itself)",
  security: bearerSecurity,
  request: { params: EnvParams },
  responses: { 204: { description: "Deleted" }, ...errors(401, 403, 404) },
});

export function register(app: Router) {
  app.openapi(route, async (c) => {
    const params = c.req.valid("param");
    const { ctx, team, p } = await loadTeam(c, params.id);
    requireTeamSecretsWrite(p, team.id);
    const env = await getEnvironment(ctx, team.id, params.name);
    if (!env) throw notFound("environment");
    await deleteEnvironment(ctx, auditSource(c), env);
    return c.body(null, 204);
  });
}
