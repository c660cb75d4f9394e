import { createRoute, z } from "@hono/zod-openapi";
import type { Router } from "../../context";
import { tenantCtx } from "../../db/client";
import { listChannels } from "../../db/repo/alerting/channels";
import { requireScope, visibleTeamIds } from "../../lib/principal";
import { bearerSecurity, errors, jsonResponse, send } from "../shared";
import { connectionNames } from "./load";
import { ChannelList, channelOut } from "./schemas";

const Query = z.object({ team_id: z.string().max(64).optional().openapi({ description: "Only this team's channels" }) });

export const route = createRoute({
  method: "get",
  path: "/alert-channels",
  tags: ["alerting"],
  summary: "Alert channels of the teams the caller may see (their own; all for tenant admins)",
  security: bearerSecurity,
  request: { query: Query },
  responses: { 200: jsonResponse(ChannelList, "Channels by team and name"), ...errors(400, 401, 403) },
});

export function register(app: Router) {
  app.openapi(route, async (c) => {
    const p = c.get("principal");
    requireScope(p, "read");
    const { team_id } = c.req.valid("query");
    const visible = visibleTeamIds(p);
    const teamIds = team_id ? (visible === null || visible.includes(team_id) ? [team_id] : []) : visible;
    const ctx = tenantCtx(c.get("db"), p.tenantId, c.get("controlDb"));
    const rows = await listChannels(ctx, teamIds);
    const names = await connectionNames(
      ctx,
      rows.map((r) => r.connectionId),
    );
    return send(c, 200, ChannelList, { items: rows.map((r) => channelOut(r, names)), email_available: Boolean(c.env.EMAIL && c.env.ALERT_EMAIL_FROM) });
  });
}
