import { createRoute, z } from "@hono/zod-openapi";
import { connectionKind } from "../../connectors/registry";
import type { Router } from "../../context";
import { tenantCtx } from "../../db/client";
import { listConnections } from "../../db/repo/connections/connections";
import { decodeCursor, page, pageQuery } from "../../lib/cursor";
import { requireScope, visibleTeamIds } from "../../lib/principal";
import { bearerSecurity, errors, jsonResponse, send } from "../shared";
import { ConnectionList, connectionOut } from "./schemas";

const Query = z.object({ team_id: z.string().max(64).optional().openapi({ description: "Only this team's connections" }), ...pageQuery });
const Cursor = z.object({ name: z.string(), id: z.string() });

export const route = createRoute({
  method: "get",
  path: "/connections",
  tags: ["connections"],
  summary: "List connections the caller may see (their teams'; all for tenant admins; a token its team's)",
  security: bearerSecurity,
  request: { query: Query },
  responses: { 200: jsonResponse(ConnectionList, "Connections ordered by name (without secret values)"), ...errors(400, 401, 403) },
});

export function register(app: Router) {
  app.openapi(route, async (c) => {
    const p = c.get("principal");
    requireScope(p, "read");
    const q = c.req.valid("query");
    const visible = visibleTeamIds(p);
    const teamIds = q.team_id ? (visible === null || visible.includes(q.team_id) ? [q.team_id] : []) : visible;
    const rows = await listConnections(tenantCtx(c.get("db"), p.tenantId, c.get("controlDb")), {
      teamIds,
      after: decodeCursor(q.cursor, Cursor),
      limit: q.limit,
    });
    const result = page(rows, q.limit, (r) => ({ name: r.name, id: r.id }));
    return send(c, 200, ConnectionList, { items: result.items.map((r) => connectionOut(r, connectionKind(r.kind))), next_cursor: result.next_cursor });
  });
}
