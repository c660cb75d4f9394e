import { createRoute } from "@hono/zod-openapi";
import { deleteCookie } from "hono/cookie";
import type { Router } from "../../context";
import { tenantCtx } from "../../db/client";
import { endTenantSession, getTenantSession } from "../../db/repo/accounts/sessions";
import { ApiError, notFound } from "../../lib/errors";
import { isTenantAdmin, requireSignedInUser } from "../../lib/principal";
import { auditSource } from "../../lib/request";
import { SESSION_COOKIE } from "../../lib/session-cookie";
import { IdParam, bearerSecurity, errors } from "../shared";
import { currentSessionHash } from "./current";

export const route = createRoute({
  method: "delete",
  path: "/sessions/{id}",
  tags: ["auth"],
  summary: "End a session: your own, or anyone's in the workspace for owners and admins (only owners end owners' sessions)",
  security: bearerSecurity,
  request: { params: IdParam },
  responses: { 204: { description: "Ended" }, ...errors(401, 403, 404) },
});

export function register(app: Router) {
  app.openapi(route, async (c) => {
    const p = c.get("principal");
    const ctx = tenantCtx(c.get("db"), p.tenantId, c.get("controlDb"));
    const session = await getTenantSession(ctx, c.req.valid("param").id, c.get("clock").now());
    const own = session?.userId === p.userId;
    // Other people's sessions do not exist for those who may not see them (as another tenant's do not).
    if (!session || (!own && p.actor.type === "user" && !isTenantAdmin(p))) throw notFound("session");
    requireSignedInUser(p, "ending sessions");
    if (!own && session.role === "owner" && p.role !== "owner") throw new ApiError("forbidden", "only owners can end an owner's sessions");
    await endTenantSession(ctx, auditSource(c), session);
    if (session.idHash === (await currentSessionHash(c))) deleteCookie(c, SESSION_COOKIE, { path: "/", secure: true });
    return c.body(null, 204);
  });
}
