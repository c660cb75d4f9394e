import { createRoute } from "@hono/zod-openapi";
import type { Router } from "../../context";
import { deleteChannel } from "../../db/repo/alerting/channels";
import { requireTeamWrite } from "../../lib/principal";
import { auditSource } from "../../lib/request";
import { IdParam, bearerSecurity, errors } from "../shared";
import { loadChannel } from "./load";

export const route = createRoute({
  method: "delete",
  path: "/alert-channels/{id}",
  tags: ["alerting"],
  summary: "Delete a channel; the team's rules stop using it (the connection is kept)",
  security: bearerSecurity,
  request: { params: IdParam },
  responses: { 204: { description: "Deleted" }, ...errors(401, 403, 404) },
});

export function register(app: Router) {
  app.openapi(route, async (c) => {
    const { p, ctx, channel } = await loadChannel(c, c.req.valid("param").id);
    requireTeamWrite(p, channel.teamId, "metadata:write");
    await deleteChannel(ctx, auditSource(c), channel);
    return c.body(null, 204);
  });
}
