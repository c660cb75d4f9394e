import { createRoute } from "@hono/zod-openapi";
import { reauthenticationOptions, relyingParty } from "../../accounts/mfa/passkeys";
import type { Router } from "../../context";
import { notFound } from "../../lib/errors";
import { requireSignedInUser } from "../../lib/principal";
import { appOrigin } from "../../lib/request";
import { PasskeyRequestOptions } from "../auth/mfa-passkey-options";
import { bearerSecurity, errors, jsonResponse, send } from "../shared";

export const route = createRoute({
  method: "post",
  path: "/me/mfa/reauth/passkey-options",
  tags: ["mfa"],
  summary: "Passkey options to confirm a change to your factors with a passkey instead of a password (navigator.credentials.get)",
  description:
    "For accounts without a password (single sign-on) and anyone who prefers a passkey. The challenge is kept server-side for " +
    "five minutes and works once; send the assertion as `passkey` in the change's body. 404 when you have no passkey.",
  security: bearerSecurity,
  responses: { 200: jsonResponse(PasskeyRequestOptions, "Options for the browser"), ...errors(401, 403, 404) },
});

export function register(app: Router) {
  app.openapi(route, async (c) => {
    const p = c.get("principal");
    requireSignedInUser(p, "managing second factors");
    const options = await reauthenticationOptions(c.get("controlDb"), relyingParty(appOrigin(c)), p.userId, c.get("clock").now());
    if (!options) throw notFound("passkey");
    return send(c, 200, PasskeyRequestOptions, { ...options });
  });
}
