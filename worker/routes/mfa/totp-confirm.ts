import { createRoute, z } from "@hono/zod-openapi";
import { confirmEnrolment } from "../../accounts/mfa/totp";
import type { Router } from "../../context";
import { requireSignedInUser } from "../../lib/principal";
import { withholdFromReplay } from "../../middleware/idempotency";
import { auditSource } from "../../lib/request";
import { chargeSecondFactorAttempt } from "../../middleware/login-throttle";
import { bearerSecurity, errors, jsonBody, jsonResponse, send } from "../shared";
import { TotpCode } from "./schemas";

const ConfirmBody = z.strictObject({ code: TotpCode }).openapi("TotpConfirmRequest");
const ConfirmOut = z
  .object({
    recovery_codes: z
      .array(z.string())
      .nullable()
      .openapi({ description: "Your first recovery codes, shown this once; null when you had a factor (and codes) already" }),
  })
  .openapi("TotpConfirmed");

export const route = createRoute({
  method: "post",
  path: "/me/mfa/totp/confirm",
  tags: ["mfa"],
  summary: "Confirm the authenticator app with the code it shows; from now on password sign-ins ask for a code",
  security: bearerSecurity,
  request: jsonBody(ConfirmBody),
  responses: { 200: jsonResponse(ConfirmOut, "In use"), ...errors(400, 401, 403, 409, 429) },
});

export function register(app: Router) {
  app.openapi(route, async (c) => {
    const p = c.get("principal");
    requireSignedInUser(p, "managing second factors");
    const attempt = await chargeSecondFactorAttempt(c, p.userId);
    withholdFromReplay(c, "the authenticator app was confirmed with this Idempotency-Key; recovery codes are shown only once");
    const codes = await confirmEnrolment(c.env, c.get("controlDb"), auditSource(c), p.userId, c.req.valid("json").code);
    await attempt.succeeded();
    return send(c, 200, ConfirmOut, { recovery_codes: codes });
  });
}
