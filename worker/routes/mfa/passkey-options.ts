import { createRoute, z } from "@hono/zod-openapi";
import { registrationOptions, relyingParty } from "../../accounts/mfa/passkeys";
import type { Router } from "../../context";
import { tenantCtx } from "../../db/client";
import { userAndTenant } from "../../db/repo/accounts/users";
import { ApiError } from "../../lib/errors";
import { requireSignedInUser } from "../../lib/principal";
import { appOrigin } from "../../lib/request";
import { bearerSecurity, errors, jsonResponse, send } from "../shared";

/** WebAuthn creation options (PublicKeyCredentialCreationOptionsJSON) as the browser library takes them. */
const PasskeyCreationOptions = z
  .object({
    challenge: z.string(),
    rp: z.object({ id: z.string().optional(), name: z.string() }),
    user: z.object({ id: z.string(), name: z.string(), displayName: z.string() }),
  })
  .passthrough()
  .openapi("PasskeyCreationOptions");

export const route = createRoute({
  method: "post",
  path: "/me/mfa/passkeys/options",
  tags: ["mfa"],
  summary: "Start registering a passkey: options for navigator.credentials.create",
  description: "The challenge is kept server-side for five minutes and works once. The relying party is the dashboard's public origin.",
  security: bearerSecurity,
  responses: { 200: jsonResponse(PasskeyCreationOptions, "Options for the browser"), ...errors(401, 403) },
});

export function register(app: Router) {
  app.openapi(route, async (c) => {
    const p = c.get("principal");
    requireSignedInUser(p, "managing second factors");
    const { user } = await userAndTenant(tenantCtx(c.get("db"), p.tenantId, c.get("controlDb")), p.userId);
    if (!user) throw new ApiError("unauthorized", "your account no longer exists");
    const options = await registrationOptions(c.get("controlDb"), relyingParty(appOrigin(c)), user, c.get("clock").now());
    return send(c, 200, PasskeyCreationOptions, { ...options });
  });
}
