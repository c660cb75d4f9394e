import { createRoute } from "@hono/zod-openapi";
import { reauthenticate, removeTotp } from "../../accounts/mfa/manage";
import type { Router } from "../../context";
import { requireSignedInUser } from "../../lib/principal";
import { bearerSecurity, errors, jsonBody } from "../shared";
import { ReauthBody, reauthProof } from "./schemas";

export const route = createRoute({
  method: "delete",
  path: "/me/mfa/totp",
  tags: ["mfa"],
  summary: "Remove the authenticator app (needs your password, or a code, recovery code or passkey)",
  description: "Recovery codes are removed with your last factor.",
  security: bearerSecurity,
  request: jsonBody(ReauthBody),
  responses: { 204: { description: "Removed" }, ...errors(400, 401, 403, 404, 429) },
});

export function register(app: Router) {
  app.openapi(route, async (c) => {
    const p = c.get("principal");
    requireSignedInUser(p, "managing second factors");
    await reauthenticate(c, p.userId, reauthProof(c.req.valid("json")));
    await removeTotp(c, p.userId);
    return c.body(null, 204);
  });
}
