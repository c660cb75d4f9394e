import { createRoute, z } from "@hono/zod-openapi";
import { deleteCookie } from "hono/cookie";
import type { Router } from "../../context";
import { signOutEverywhere } from "../../db/repo/accounts/users";
import { requireSignedInUser } from "../../lib/principal";
import { auditSource } from "../../lib/request";
import { SESSION_COOKIE } from "../../lib/session-cookie";
import { bearerSecurity, errors, jsonResponse, send } from "../shared";
import { tenantDb } from "../../db/shards";

const SignOutEverywhereBody = z
  .strictObject({
    revoke_tokens: z.boolean().default(false).openapi({ description: "Also revoke every API token you created, in every workspace" }),
  })
  .openapi("SignOutEverywhereRequest");

const SignOutEverywhereOut = z.object({ sessions_ended: z.number().int(), tokens_revoked: z.number().int() }).openapi("SignedOutEverywhere");

export const route = createRoute({
  method: "post",
  path: "/me/sign-out-everywhere",
  tags: ["auth"],
  summary: "End every session of the signed-in person in every workspace (this one included); optionally revoke the API tokens they created",
  security: bearerSecurity,
  request: { body: { required: false, content: { "application/json": { schema: SignOutEverywhereBody } } } },
  responses: { 200: jsonResponse(SignOutEverywhereOut, "Signed out everywhere"), ...errors(400, 401, 403, 413, 415) },
});

export function register(app: Router) {
  app.openapi(route, async (c) => {
    const p = c.get("principal");
    requireSignedInUser(p, "signing out everywhere");
    const body = c.req.valid("json") ?? { revoke_tokens: false };
    const done = await signOutEverywhere(c.get("controlDb"), (tenantId) => tenantDb(c.env, tenantId), auditSource(c), p.userId, body.revoke_tokens);
    deleteCookie(c, SESSION_COOKIE, { path: "/", secure: true });
    return send(c, 200, SignOutEverywhereOut, { sessions_ended: done.sessionsEnded, tokens_revoked: done.tokensRevoked });
  });
}
