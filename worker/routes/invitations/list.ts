import { createRoute, z } from "@hono/zod-openapi";
import type { Router } from "../../context";
import { tenantCtx } from "../../db/client";
import { listInvitations } from "../../db/repo/accounts/invitations";
import { decodeCursor, page, pageQuery } from "../../lib/cursor";
import { requireAdmin } from "../../lib/principal";
import { bearerSecurity, errors, jsonResponse, send } from "../shared";
import { InvitationList, invitationOut } from "./schemas";

const Query = z.object(pageQuery);
const Cursor = z.object({ at: z.number(), id: z.string() });

export const route = createRoute({
  method: "get",
  path: "/invitations",
  tags: ["invitations"],
  summary: "List invitations, newest first (tenant owners and admins)",
  security: bearerSecurity,
  request: { query: Query },
  responses: { 200: jsonResponse(InvitationList, "Invitations in every status"), ...errors(400, 401, 403) },
});

export function register(app: Router) {
  app.openapi(route, async (c) => {
    const p = c.get("principal");
    requireAdmin(p);
    const q = c.req.valid("query");
    const rows = await listInvitations(tenantCtx(c.get("db"), p.tenantId, c.get("controlDb")), { before: decodeCursor(q.cursor, Cursor), limit: q.limit });
    const result = page(rows, q.limit, (r) => ({ at: r.createdAt, id: r.id }));
    const now = c.get("clock").now();
    return send(c, 200, InvitationList, { items: result.items.map((r) => invitationOut(r, now)), next_cursor: result.next_cursor });
  });
}
