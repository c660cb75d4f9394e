import { createRoute } from "@hono/zod-openapi";
import { connectionKind } from "../../connectors/registry";
import type { Router } from "../../context";
import { tenantCtx } from "../../db/client";
import { createConnection } from "../../db/repo/connections/connections";
import { getTeam } from "../../db/repo/accounts/teams";
import { isUniqueViolation } from "../../db/unique";
import { checkConfig, checkSecretFields } from "../../lib/connection-input";
import { destinationProblems } from "../../lib/destinations";
import { loadKeyRing } from "../../lib/envelope";
import { ApiError, conflict, invalid } from "../../lib/errors";
import { requireTeamSecretsWrite } from "../../lib/principal";
import { auditSource } from "../../lib/request";
import { bearerSecurity, errors, jsonBody, jsonResponse, send } from "../shared";
import { ConnectionOut, CreateConnectionBody, connectionOut } from "./schemas";

export const route = createRoute({
  method: "post",
  path: "/connections",
  tags: ["connections"],
  summary: "Create a team's connection; secret values are encrypted and never returned",
  security: bearerSecurity,
  request: jsonBody(CreateConnectionBody),
  responses: { 201: jsonResponse(ConnectionOut, "The new connection (without secret values)"), ...errors(400, 401, 403, 409, 413, 415) },
});

export function register(app: Router) {
  app.openapi(route, async (c) => {
    const p = c.get("principal");
    const body = c.req.valid("json");
    requireTeamSecretsWrite(p, body.team_id);
    const ctx = tenantCtx(c.get("db"), p.tenantId, c.get("controlDb"));
    if (!(await getTeam(ctx, body.team_id))) throw invalid("team_id", "no such team");
    const kind = connectionKind(body.kind);
    if (!kind) throw invalid("kind", "unknown connection kind; see GET /api/v1/connection-kinds");
    const { config, details } = checkConfig(kind, body.config);
    if (!details.length) details.push(...destinationProblems(kind, config, Object.keys(body.secrets), body.secrets, c.env.TUTTI_ENV));
    details.push(...checkSecretFields(kind, body.secrets, true));
    if (details.length) throw new ApiError("validation_failed", `${details[0].path}: ${details[0].message}`, details);
    const ring = await loadKeyRing(c.env.TUTTI_MASTER_KEY);
    const created = await createConnection(ctx, auditSource(c), ring, {
      teamId: body.team_id,
      name: body.name,
      kind: kind.kind,
      description: body.description ?? "",
      config,
      secrets: body.secrets,
      createdBy: p.userId,
    }).catch((err) => {
      if (isUniqueViolation(err)) throw conflict(`the team already has a connection named "${body.name}"`, [{ path: "name", message: "taken in this team" }]);
      throw err;
    });
    return send(c, 201, ConnectionOut, connectionOut(created, kind));
  });
}
