import { createRoute } from "@hono/zod-openapi";
import type { Router } from "../../context";
import { updateConnection } from "../../db/repo/connections";
import { checkConfig } from "../../lib/connection-input";
import { ApiError } from "../../lib/errors";
import { requireTeamSecretsWrite } from "../../lib/principal";
import { auditSource } from "../../lib/request";
import { IdParam, bearerSecurity, errors, jsonBody, jsonResponse, send } from "../shared";
import { loadConnection } from "./load";
import { ConnectionOut, UpdateConnectionBody, connectionOut } from "./schemas";

export const route = createRoute({
  method: "patch",
  path: "/connections/{id}",
  tags: ["connections"],
  summary: "Change a connection's description or replace its config (secrets change through /rotate)",
  security: bearerSecurity,
  request: { params: IdParam, ...jsonBody(UpdateConnectionBody) },
  responses: { 200: jsonResponse(ConnectionOut, "The updated connection"), ...errors(400, 401, 403, 404, 413, 415) },
});

export function register(app: Router) {
  app.openapi(route, async (c) => {
    const { ctx, p, connection, kind } = await loadConnection(c, c.req.valid("param").id);
    requireTeamSecretsWrite(p, connection.teamId);
    const body = c.req.valid("json");
    const patch: { description?: string; config?: Record<string, unknown> } = {};
    if (body.description !== undefined) patch.description = body.description;
    if (body.config !== undefined) {
      if (!kind) throw new ApiError("conflict", `connection kind "${connection.kind}" is no longer supported; its config cannot be changed`);
      const checked = checkConfig(kind, body.config);
      if (checked.details.length) throw new ApiError("validation_failed", `${checked.details[0].path}: ${checked.details[0].message}`, checked.details);
      patch.config = checked.config;
    }
    const updated = await updateConnection(ctx, auditSource(c), connection, patch);
    return send(c, 200, ConnectionOut, connectionOut(updated, kind));
  });
}
