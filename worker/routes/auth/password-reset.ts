import { createRoute, z } from "@hono/zod-openapi";
import { completePasswordReset } from "../../accounts/password-reset";
import type { Router } from "../../context";
import { clientIp } from "../../lib/request";
import { errors, jsonBody, jsonResponse, send } from "../shared";
import { LinkToken, Password } from "./schemas";

const ResetBody = z.strictObject({ token: LinkToken, password: Password }).openapi("PasswordResetConfirmRequest");

const ResetOut = z
  .object({ sessions_ended: z.number().int().openapi({ description: "Sessions of the account ended, in every workspace" }) })
  .openapi("PasswordResetDone");

export const route = createRoute({
  method: "post",
  path: "/auth/password-reset",
  tags: ["auth"],
  summary: "Use a password-reset link: sets the new password and signs the account out everywhere",
  description: "The link works once and for one hour; an unknown, used or expired one answers 404. Sign in with the new password afterwards.",
  request: jsonBody(ResetBody),
  responses: { 200: jsonResponse(ResetOut, "Password changed"), ...errors(400, 404) },
});

export function register(app: Router) {
  app.openapi(route, async (c) => {
    const { token, password } = c.req.valid("json");
    const source = { ip: clientIp(c), requestId: c.get("requestId"), now: c.get("clock").now() };
    const done = await completePasswordReset(c.env, c.get("controlDb"), token, password, source);
    return send(c, 200, ResetOut, { sessions_ended: done.sessionsEnded });
  });
}
