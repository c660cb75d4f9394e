import { createRoute } from "@hono/zod-openapi";
import type { Router } from "../../context";
import { tenantCtx } from "../../db/client";
import { createChannel } from "../../db/repo/alerting/channels";
import { getTeam } from "../../db/repo/accounts/teams";
import { isUniqueViolation } from "../../db/unique";
import { conflict, invalid } from "../../lib/errors";
import { requireTeamWrite } from "../../lib/principal";
import { auditSource } from "../../lib/request";
import { bearerSecurity, errors, jsonBody, jsonResponse, send } from "../shared";
import { checkConnection } from "./load";
import { ChannelOut, CreateChannelBody, channelOut } from "./schemas";

export const route = createRoute({
  method: "post",
  path: "/alert-channels",
  tags: ["alerting"],
  summary: "Create a team's alert channel: Slack or a signed webhook (through a team connection) or e-mail",
  description: "Needs `metadata:write` and membership of the team.",
  security: bearerSecurity,
  request: jsonBody(CreateChannelBody),
  responses: { 201: jsonResponse(ChannelOut, "The new channel"), ...errors(400, 401, 403, 409, 413, 415) },
});

export function register(app: Router) {
  app.openapi(route, async (c) => {
    const p = c.get("principal");
    const body = c.req.valid("json");
    requireTeamWrite(p, body.team_id, "metadata:write");
    const ctx = tenantCtx(c.get("db"), p.tenantId, c.get("controlDb"));
    if (!(await getTeam(ctx, body.team_id))) throw invalid("team_id", "no such team");
    const connection = await checkConnection(ctx, body.team_id, body.kind, body.connection_id);
    if (body.kind === "email" && !body.recipients) throw invalid("recipients", "an e-mail channel needs at least one recipient");
    if (body.kind !== "email" && body.recipients) throw invalid("recipients", "only e-mail channels have recipients");
    const created = await createChannel(ctx, auditSource(c), {
      teamId: body.team_id,
      name: body.name,
      kind: body.kind,
      connectionId: connection?.id ?? null,
      recipients: body.recipients ?? [],
      createdBy: p.userId,
    }).catch((err) => {
      if (isUniqueViolation(err)) throw conflict(`the team already has a channel named "${body.name}"`, [{ path: "name", message: "taken in this team" }]);
      throw err;
    });
    return send(c, 201, ChannelOut, channelOut(created, new Map(connection ? [[connection.id, connection.name]] : [])));
  });
}
