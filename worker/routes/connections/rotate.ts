import { createRoute } from "@hono/zod-openapi";
import type { Router } from "../../context";
import { rotateConnectionSecrets } from "../../db/repo/connections/connections";
import { checkSecretFields } from "../../lib/connection-input";
import { destinationProblems } from "../../lib/destinations";
import { loadKeyRing } from "../../lib/envelope";
import { ApiError } from "../../lib/errors";
import { requireTeamSecretsWrite } from "../../lib/principal";
import { auditSource } from "../../lib/request";
import { IdParam, bearerSecurity, errors, jsonBody, jsonResponse, send } from "../shared";
import { loadConnection } from "./load";
import { ConnectionOut, RotateSecretsBody, connectionOut } from "./schemas";

export const route = createRoute({
  method: "post",
  path: "/connections/{id}/rotate",
  tags: ["connections"],
  summary: "Replace secret values; fields not sent keep their current value",
  security: bearerSecurity,
  request: { params: IdParam, ...jsonBody(RotateSecretsBody) },
  responses: { 200: jsonResponse(ConnectionOut, "The connection with rotated_at set"), ...errors(400, 401, 403, 404, 409, 413, 415) },
});

export function register(app: Router) {
  app.openapi(route, async (c) => {
    const { ctx, p, connection, kind } = await loadConnection(c, c.req.valid("param").id);
    requireTeamSecretsWrite(p, connection.teamId);
    if (!kind) throw new ApiError("conflict", `connection kind "${connection.kind}" is no longer supported; delete the connection instead`);
    const { secrets } = c.req.valid("json");
    const details = checkSecretFields(kind, secrets, false);
    details.push(...destinationProblems(kind, connection.config, new Set([...connection.secretFieldsSet, ...Object.keys(secrets)]), secrets, c.env.TUTTI_ENV));
    if (details.length) throw new ApiError("validation_failed", `${details[0].path}: ${details[0].message}`, details);
    const ring = await loadKeyRing(c.env.TUTTI_MASTER_KEY);
    const rotated = await rotateConnectionSecrets(ctx, auditSource(c), ring, connection, secrets);
    return send(c, 200, ConnectionOut, connectionOut(rotated, kind));
  });
}
