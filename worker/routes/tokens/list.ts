import { createRoute, z } from "@hono/zod-openapi";
import type { Router } from "../../context";
import { tenantCtx } from "../../db/client";
import { listApiTokens } from "../../db/repo/accounts/tokens";
import { decodeCursor, page, pageQuery } from "../../lib/cursor";
import { requireScope, visibleTeamIds } from "../../lib/principal";
import { bearerSecurity, errors, jsonResponse, send } from "../shared";
import { ApiTokenList, tokenOut } from "./schemas";

const Query = z.object({ team_id: z.string().max(64).optional().openapi({ description: "Only this team's tokens" }), ...pageQuery });
const Cursor = z.object({ at: z.number(), id: z.string() });

export const route = createRoute({
  method: "get",
  path: "/tokens",
  tags: ["tokens"],
  summary: "List API tokens, newest first: tenant admins see all, others those of their teams",
  security: bearerSecurity,
  request: { query: Query },
  responses: { 200: jsonResponse(ApiTokenList, "Tokens, revoked ones included (never the token itself)"), ...errors(400, 401, 403) },
});

export function register(app: Router) {
  app.openapi(route, async (c) => {
    const p = c.get("principal");
    requireScope(p, "read");
    const q = c.req.valid("query");
    const visible = visibleTeamIds(p);
    const teamIds = q.team_id ? (visible === null || visible.includes(q.team_id) ? [q.team_id] : []) : visible;
    const rows = await listApiTokens(tenantCtx(c.get("db"), p.tenantId, c.get("controlDb")), {
      teamIds,
      before: decodeCursor(q.cursor, Cursor),
      limit: q.limit,
    });
    const result = page(rows, q.limit, (r) => ({ at: r.createdAt, id: r.id }));
    return send(c, 200, ApiTokenList, { items: result.items.map(tokenOut), next_cursor: result.next_cursor });
  });
}
