import { createRoute, z } from "@hono/zod-openapi";
import { completeSignup } from "../../accounts/signup";
import type { Router } from "../../context";
import { clientIp } from "../../lib/request";
import { passwordSignIn } from "../../lib/session-response";
import { errors, jsonBody, jsonResponse, send } from "../shared";
import { LinkToken, MfaChallengeOut, SessionOut } from "./schemas";

const VerifyBody = z.strictObject({ token: LinkToken }).openapi("VerifySignupRequest");

export const route = createRoute({
  method: "post",
  path: "/auth/verify",
  tags: ["auth"],
  summary: "Use a sign-up link: creates the workspace (and the account when new) and signs in",
  description:
    "The link works once and for 24 hours; an unknown, used or expired one answers 404. A workspace slug taken since " +
    "the sign-up answers 409: sign up again with another name. An existing account with a second factor gets the workspace " +
    "and a pending sign-in (202, as POST /auth/login).",
  request: jsonBody(VerifyBody),
  responses: {
    201: jsonResponse(SessionOut, "Workspace created and signed in"),
    202: jsonResponse(MfaChallengeOut, "Workspace created; a second factor is needed to sign in (POST /auth/mfa)"),
    ...errors(400, 404, 409),
  },
});

export function register(app: Router) {
  app.openapi(route, async (c) => {
    const { token } = c.req.valid("json");
    const { user, tenant } = await completeSignup(c.env, token, { ip: clientIp(c), requestId: c.get("requestId") }, c.get("clock").now());
    const next = await passwordSignIn(c, user, { ...tenant, role: "owner" });
    return next.status === 202 ? send(c, 202, MfaChallengeOut, next.challenge) : send(c, 201, SessionOut, next.session);
  });
}
