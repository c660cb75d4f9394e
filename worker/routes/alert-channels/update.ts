import { createRoute } from "@hono/zod-openapi";
import type { Router } from "../../context";
import { updateChannel, type ChannelPatch } from "../../db/repo/alerting/channels";
import { isUniqueViolation } from "../../db/unique";
import { conflict, invalid } from "../../lib/errors";
import { requireTeamWrite } from "../../lib/principal";
import { auditSource } from "../../lib/request";
import { IdParam, bearerSecurity, errors, jsonBody, jsonResponse, send } from "../shared";
import { checkConnection, connectionNames, loadChannel } from "./load";
import { ChannelOut, UpdateChannelBody, channelOut } from "./schemas";

export const route = createRoute({
  method: "patch",
  path: "/alert-channels/{id}",
  tags: ["alerting"],
  summary: "Rename a channel, change its connection or recipients, or enable/disable it",
  security: bearerSecurity,
  request: { params: IdParam, ...jsonBody(UpdateChannelBody) },
  responses: { 200: jsonResponse(ChannelOut, "The updated channel"), ...errors(400, 401, 403, 404, 409, 413, 415) },
});

export function register(app: Router) {
  app.openapi(route, async (c) => {
    const { p, ctx, channel } = await loadChannel(c, c.req.valid("param").id);
    requireTeamWrite(p, channel.teamId, "metadata:write");
    const body = c.req.valid("json");
    const patch: ChannelPatch = {};
    if (body.name !== undefined) patch.name = body.name;
    if (body.enabled !== undefined) patch.enabled = body.enabled;
    if (body.connection_id !== undefined) patch.connectionId = (await checkConnection(ctx, channel.teamId, channel.kind, body.connection_id))?.id ?? null;
    if (body.recipients !== undefined) {
      if (channel.kind !== "email") throw invalid("recipients", "only e-mail channels have recipients");
      patch.recipients = body.recipients;
    }
    const updated = await updateChannel(ctx, auditSource(c), channel, patch).catch((err) => {
      if (isUniqueViolation(err)) throw conflict(`the team already has a channel named "${body.name}"`, [{ path: "name", message: "taken in this team" }]);
      throw err;
    });
    return send(c, 200, ChannelOut, channelOut(updated, await connectionNames(ctx, [updated.connectionId])));
  });
}
