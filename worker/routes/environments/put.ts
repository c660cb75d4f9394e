import { createRoute } from "@hono/zod-openapi";
import type { Router } from "../../context";
import { findConnectionByName } from "../../db/repo/connections/connections";
import { putEnvironment } from "../../db/repo/connections/environments";
import { ApiError, type ErrorDetail } from "../../lib/errors";
import { requireTeamSecretsWrite } from "../../lib/principal";
import { auditSource } from "../../lib/request";
import { bearerSecurity, errors, jsonBody, jsonResponse, send } from "../shared";
import { loadTeam } from "../teams/load";
import { EnvParams, EnvironmentOut, PutEnvironmentBody, environmentOut } from "./schemas";

export const route = createRoute({
  method: "put",
  path: "/teams/{id}/environments/{name}",
  tags: ["environments"],
  summary: "Create or replace an environment and its connection bindings",
  description:
    "Bindings decide which credentials a run uses, so they are changed like connections: by a signed-in member of the team or a tenant admin. " +
    "Every bound connection must exist in the team.",
  security: bearerSecurity,
  request: { params: EnvParams, ...jsonBody(PutEnvironmentBody) },
  responses: { 200: jsonResponse(EnvironmentOut, "Replaced"), 201: jsonResponse(EnvironmentOut, "Created"), ...errors(400, 401, 403, 404) },
});

export function register(app: Router) {
  app.openapi(route, async (c) => {
    const params = c.req.valid("param");
    const { ctx, team, p } = await loadTeam(c, params.id);
    requireTeamSecretsWrite(p, team.id);
    const body = c.req.valid("json");
    const details: ErrorDetail[] = [];
    for (const [specName, target] of Object.entries(body.bindings)) {
      const conn = await findConnectionByName(ctx, team.id, target);
      if (!conn || conn.archivedAt !== null) details.push({ path: `bindings.${specName}`, message: `team "${team.slug}" has no connection named "${target}"` });
    }
    if (details.length) throw new ApiError("validation_failed", `${details[0].path}: ${details[0].message}`, details);
    const { environment, created } = await putEnvironment(ctx, auditSource(c), {
      teamId: team.id,
      name: params.name,
      description: body.description ?? "",
      bindings: body.bindings,
    });
    return send(c, created ? 201 : 200, EnvironmentOut, environmentOut(environment));
  });
}
