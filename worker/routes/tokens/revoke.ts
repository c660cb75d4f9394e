import { createRoute } from "@hono/zod-openapi";
import type { Router } from "../../context";
import { tenantCtx } from "../../db/client";
import { getApiToken, revokeApiToken } from "../../db/repo/accounts/tokens";
import { forbidden, notFound } from "../../lib/errors";
import { canSeeTeamResources, isTeamMaintainer, isTenantAdmin, type Principal } from "../../lib/principal";
import { auditSource } from "../../lib/request";
import { IdParam, bearerSecurity, errors, jsonResponse, send } from "../shared";
import { ApiTokenOut, tokenOut } from "./schemas";

/**
 * Admins, the team's maintainers (not viewers) and the creator may revoke; a token may revoke only itself (a leaked
 * CI token can be killed with itself). Ending one's own credential only removes rights, so a creator who is a
 * viewer now may still revoke their own token.
 */
function mayRevoke(p: Principal, token: { id: string; teamId: string; createdBy: string }) {
  if (p.actor.type === "token") return p.actor.id === token.id;
  return isTenantAdmin(p) || isTeamMaintainer(p, token.teamId) || p.userId === token.createdBy;
}

export const route = createRoute({
  method: "delete",
  path: "/tokens/{id}",
  tags: ["tokens"],
  summary: "Revoke an API token (tenant admins, team maintainers, its creator, or the token itself)",
  security: bearerSecurity,
  request: { params: IdParam },
  responses: { 200: jsonResponse(ApiTokenOut, "The revoked token (revoking twice is harmless)"), ...errors(401, 403, 404) },
});

export function register(app: Router) {
  app.openapi(route, async (c) => {
    const p = c.get("principal");
    const ctx = tenantCtx(c.get("db"), p.tenantId, c.get("controlDb"));
    const token = await getApiToken(ctx, c.req.valid("param").id);
    const ownToken = p.actor.type === "user" && token?.createdBy === p.userId;
    if (!token || !(canSeeTeamResources(p, token.teamId) || ownToken)) throw notFound("API token");
    if (!mayRevoke(p, token)) throw forbidden("only tenant admins, the team's maintainers or the token's creator can revoke it");
    const revoked = await revokeApiToken(ctx, auditSource(c), token);
    return send(c, 200, ApiTokenOut, tokenOut(revoked));
  });
}
