import { createRoute, z } from "@hono/zod-openapi";
import { completeSignup } from "../../accounts/signup";
import type { Router } from "../../context";
import { clientIp } from "../../lib/request";
import { startSession } from "../../lib/session-response";
import { errors, jsonBody, jsonResponse, send } from "../shared";
import { LinkToken, SessionOut } from "./schemas";

const VerifyBody = z.strictObject({ token: LinkToken }).openapi("VerifySignupRequest");

export const route = createRoute({
  method: "post",
  path: "/auth/verify",
  tags: ["auth"],
  summary: "Use a sign-up link: creates the workspace (and the account when new) and signs in",
  description:
    "The link works once and for 24 hours; an unknown, used or expired one answers 404. A workspace slug taken since " +
    "the sign-up answers 409: sign up again with another name.",
  request: jsonBody(VerifyBody),
  responses: { 201: jsonResponse(SessionOut, "Workspace created and signed in"), ...errors(400, 404, 409) },
});

export function register(app: Router) {
  app.openapi(route, async (c) => {
    const { token } = c.req.valid("json");
    const { user, tenant } = await completeSignup(c.get("db"), token, { ip: clientIp(c), requestId: c.get("requestId") }, c.get("clock").now());
    return send(c, 201, SessionOut, await startSession(c, user, { ...tenant, role: "owner" }));
  });
}
