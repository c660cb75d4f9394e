import { createRoute, z } from "@hono/zod-openapi";
import { startEnrolment } from "../../accounts/mfa/totp";
import type { Router } from "../../context";
import { requireSignedInUser } from "../../lib/principal";
import { withholdFromReplay } from "../../middleware/idempotency";
import { bearerSecurity, errors, jsonResponse, send } from "../shared";

const TotpEnrolmentOut = z
  .object({
    secret: z.string().openapi({ description: "Base32 secret to type into the app (shown this once)" }),
    otpauth_uri: z.string().openapi({ description: "otpauth://totp/… for apps that import a link or QR code" }),
  })
  .openapi("TotpEnrolment");

export const route = createRoute({
  method: "post",
  path: "/me/mfa/totp",
  tags: ["mfa"],
  summary: "Start setting up an authenticator app: a new secret, in use once confirmed with a first code",
  description: "Starting again before confirming replaces the secret. 409 when an app is already in use (remove it first).",
  security: bearerSecurity,
  responses: { 201: jsonResponse(TotpEnrolmentOut, "Secret to add to the app"), ...errors(401, 403, 409) },
});

export function register(app: Router) {
  app.openapi(route, async (c) => {
    const p = c.get("principal");
    requireSignedInUser(p, "managing second factors");
    withholdFromReplay(c, "an authenticator-app set-up was started with this Idempotency-Key; its secret is shown only once: start again");
    const started = await startEnrolment(c.env, c.get("controlDb"), { id: p.userId, email: p.actor.label }, c.get("clock").now());
    return send(c, 201, TotpEnrolmentOut, { secret: started.secret, otpauth_uri: started.otpauthUri });
  });
}
