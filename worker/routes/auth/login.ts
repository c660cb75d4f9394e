import { createRoute, z } from "@hono/zod-openapi";
import type { Router } from "../../context";
import { findUserByEmail, membershipsOf } from "../../db/repo/accounts/users";
import { ApiError } from "../../lib/errors";
import { checkAccountPassword } from "../../lib/password";
import { passwordSignIn } from "../../lib/session-response";
import { chargePasswordAttempt } from "../../middleware/login-throttle";
import { errors, jsonBody, jsonResponse, send } from "../shared";
import { Email, MfaChallengeOut, SessionOut } from "./schemas";

const LoginBody = z
  .strictObject({
    email: Email,
    password: z.string().min(1).max(200),
    tenant: z.string().max(64).optional().openapi({ description: "Tenant slug, for users in several tenants; defaults to the first" }),
  })
  .openapi("LoginRequest");

export const route = createRoute({
  method: "post",
  path: "/auth/login",
  tags: ["auth"],
  summary: "Sign in with e-mail and password; sets the session cookie",
  request: jsonBody(LoginBody),
  description:
    "Unknown e-mail and wrong password answer alike (401). Beyond a few failed attempts per account (and more per address) " +
    "each further attempt must wait a doubling delay of at most 15 minutes: 429 with Retry-After, also with the right password. " +
    "A person with a second factor gets no session yet: 202 with an `mfa_token` for POST /auth/mfa.",
  responses: {
    200: jsonResponse(SessionOut, "Signed in"),
    202: jsonResponse(MfaChallengeOut, "Password right; a second factor is needed (POST /auth/mfa)"),
    ...errors(400, 401, 403, 429),
  },
});

export function register(app: Router) {
  app.openapi(route, async (c) => {
    const body = c.req.valid("json");
    const attempt = await chargePasswordAttempt(c, body.email);
    const db = c.get("controlDb");
    const user = await findUserByEmail(db, body.email);
    // An unknown e-mail and a wrong password get the same answer after the same work.
    if (!(await checkAccountPassword(body.password, user)) || !user) throw new ApiError("unauthorized", "wrong e-mail or password");
    await attempt.succeeded();
    const memberships = await membershipsOf(db, user.id);
    const tenant = body.tenant ? memberships.find((m) => m.slug === body.tenant) : memberships[0];
    if (!tenant) throw new ApiError("unauthorized", "you are not a member of that tenant");
    const next = await passwordSignIn(c, user, { id: tenant.tenantId, slug: tenant.slug, name: tenant.name, role: tenant.role });
    return next.status === 202 ? send(c, 202, MfaChallengeOut, next.challenge) : send(c, 200, SessionOut, next.session);
  });
}
