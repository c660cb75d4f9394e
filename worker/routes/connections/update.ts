import { createRoute } from "@hono/zod-openapi";
import type { Router } from "../../context";
import { updateConnection, type ConnectionPatch } from "../../db/repo/connections/connections";
import { checkConfig, checkSecretFields } from "../../lib/connection-input";
import { changedDestinations, destinationProblems, outboundSecretFields } from "../../lib/destinations";
import { loadKeyRing } from "../../lib/envelope";
import { ApiError, type ErrorDetail } from "../../lib/errors";
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
  description:
    "A config change that points a host field (base_url, a Snowflake account, a webhook url) at another origin must send every set secret " +
    "field again in `secrets` (else 400 naming them): stored secrets never follow a connection to a new destination. It is audited as " +
    "`connection.destination_changed` with the old and new origin.",
  security: bearerSecurity,
  request: { params: IdParam, ...jsonBody(UpdateConnectionBody) },
  responses: { 200: jsonResponse(ConnectionOut, "The updated connection"), ...errors(400, 401, 403, 404, 409, 413, 415) },
});

const fail = (details: ErrorDetail[]) => new ApiError("validation_failed", `${details[0].path}: ${details[0].message}`, details);

export function register(app: Router) {
  app.openapi(route, async (c) => {
    const { ctx, p, connection, kind } = await loadConnection(c, c.req.valid("param").id);
    requireTeamSecretsWrite(p, connection.teamId);
    const body = c.req.valid("json");
    const patch: ConnectionPatch = {};
    if (body.description !== undefined) patch.description = body.description;
    if (body.config !== undefined) {
      if (!kind) throw new ApiError("conflict", `connection kind "${connection.kind}" is no longer supported; its config cannot be changed`);
      const checked = checkConfig(kind, body.config);
      if (checked.details.length) throw fail(checked.details);
      patch.config = checked.config;
      const moves = changedDestinations(kind, connection.config, checked.config);
      const secrets = body.secrets ?? {};
      const moved = moves.map((m) => m.field).join(", ");
      const missing = moves.length ? outboundSecretFields(kind, connection.secretFieldsSet).filter((f) => !(f in secrets)) : [];
      const details = [
        ...missing.map((f) => ({
          path: `secrets.${f}`,
          message: `required: ${moved} changes where the connection sends it; enter it again for the new destination`,
        })),
        ...checkSecretFields(kind, secrets, false),
        ...destinationProblems(kind, checked.config, new Set([...connection.secretFieldsSet, ...Object.keys(secrets)]), secrets, c.env.TUTTI_ENV),
      ];
      if (details.length) throw fail(details);
      patch.moves = moves;
      if (body.secrets) patch.secrets = { values: body.secrets, ring: await loadKeyRing(c.env.TUTTI_MASTER_KEY) };
    } else if (body.secrets !== undefined) {
      throw fail([{ path: "secrets", message: "secrets change with the config they belong to; to replace secrets alone use POST /connections/{id}/rotate" }]);
    }
    const updated = await updateConnection(ctx, auditSource(c), connection, patch);
    return send(c, 200, ConnectionOut, connectionOut(updated, kind));
  });
}
