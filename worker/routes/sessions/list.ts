import { createRoute, z } from "@hono/zod-openapi";
import type { Router } from "../../context";
import { tenantCtx } from "../../db/client";
import { listTenantSessions } from "../../db/repo/accounts/sessions";
import { ApiError } from "../../lib/errors";
import { isTenantAdmin, requireSignedInUser } from "../../lib/principal";
import { bearerSecurity, errors, jsonResponse, send } from "../shared";
import { currentSessionHash } from "./current";
import { SessionList, sessionOut } from "./schemas";

const Query = z.object({
  user_id: z.string().min(1).max(64).optional().openapi({ description: "Only this person's sessions; others than yourself need an owner or admin" }),
});

export const route = createRoute({
  method: "get",
  path: "/sessions",
  tags: ["auth"],
  summary: "Signed-in sessions in this workspace: your own, or everyone's for owners and admins",
  security: bearerSecurity,
  request: { query: Query },
  responses: { 200: jsonResponse(SessionList, "Live sessions, most recently used first"), ...errors(400, 401, 403) },
});

export function register(app: Router) {
  app.openapi(route, async (c) => {
    const p = c.get("principal");
    requireSignedInUser(p, "listing sessions");
    const { user_id } = c.req.valid("query");
    const admin = isTenantAdmin(p);
    if (user_id && user_id !== p.userId && !admin) throw new ApiError("forbidden", "only tenant owners and admins see other people's sessions");
    const userId = user_id ?? (admin ? undefined : p.userId);
    const rows = await listTenantSessions(tenantCtx(c.get("db"), p.tenantId, c.get("controlDb")), { userId, now: c.get("clock").now() });
    const current = await currentSessionHash(c);
    return send(c, 200, SessionList, { items: rows.map((s) => sessionOut(s, current)) });
  });
}
