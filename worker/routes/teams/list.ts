import { createRoute, z } from "@hono/zod-openapi";
import type { Router } from "../../context";
import { tenantCtx } from "../../db/client";
import { listTeamsWithCounts } from "../../db/repo/accounts/teams";
import { decodeCursor, page, pageQuery } from "../../lib/cursor";
import { requireScope } from "../../lib/principal";
import { bearerSecurity, errors, jsonResponse, send } from "../shared";
import { TeamList, teamOut } from "./schemas";

const Query = z.object(pageQuery);
const Cursor = z.object({ name: z.string(), id: z.string() });

export const route = createRoute({
  method: "get",
  path: "/teams",
  tags: ["teams"],
  summary: "List teams (a token sees only its own team)",
  security: bearerSecurity,
  request: { query: Query },
  responses: { 200: jsonResponse(TeamList, "Teams ordered by name"), ...errors(400, 401, 403) },
});

export function register(app: Router) {
  app.openapi(route, async (c) => {
    const p = c.get("principal");
    requireScope(p, "read");
    const q = c.req.valid("query");
    const rows = await listTeamsWithCounts(tenantCtx(c.get("db"), p.tenantId, c.get("controlDb")), {
      teamIds: p.actor.type === "token" ? Object.keys(p.teams) : null,
      after: decodeCursor(q.cursor, Cursor),
      limit: q.limit,
    });
    const result = page(rows, q.limit, (r) => ({ name: r.team.name, id: r.team.id }));
    return send(c, 200, TeamList, { items: result.items.map((r) => teamOut(r.team, r.memberCount, p)), next_cursor: result.next_cursor });
  });
}
