import { createRoute, z } from "@hono/zod-openapi";
import { requestPasswordReset } from "../../accounts/password-reset";
import type { Router } from "../../context";
import { afterResponse, appOrigin, requestLog } from "../../lib/request";
import { errors, jsonBody, jsonResponse, send } from "../shared";
import { limitMailRequests } from "./limits";
import { CheckYourEmail, checkYourEmail, Email } from "./schemas";

const ResetRequestBody = z.strictObject({ email: Email }).openapi("PasswordResetRequest");

export const route = createRoute({
  method: "post",
  path: "/auth/password-reset/request",
  tags: ["auth"],
  summary: "Forgot password: mails a reset link (valid one hour, once)",
  description:
    "Answers 202 with the same body whether or not the address has an account (without one, the mail says so), " +
    "before anything that depends on it is done; the mail goes out just after. " +
    "Limited per client address and per recipient (429 with Retry-After).",
  request: jsonBody(ResetRequestBody),
  responses: { 202: jsonResponse(CheckYourEmail, "A mail is on its way"), ...errors(400, 429) },
});

export function register(app: Router) {
  app.openapi(route, async (c) => {
    const { email } = c.req.valid("json");
    await limitMailRequests(c, "reset", email);
    const [db, origin, now, log] = [c.get("controlDb"), appOrigin(c), c.get("clock").now(), requestLog(c)];
    // Whether the address has an account decides what is done and mailed: after the answer, so its time cannot tell.
    afterResponse(c, "password-reset mail", () => requestPasswordReset(c.env, db, email, origin, now, log));
    return send(c, 202, CheckYourEmail, checkYourEmail(email, "use its link to choose a new password."));
  });
}
