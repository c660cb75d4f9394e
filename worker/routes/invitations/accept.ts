import { createRoute, z } from "@hono/zod-openapi";
import type { Router } from "../../context";
import { findUserByEmail } from "../../db/repo/accounts/users";
import { acceptInvitation } from "../../db/repo/accounts/invitations";
import { getTeam } from "../../db/repo/accounts/teams";
import { isUniqueViolation } from "../../db/unique";
import { ApiError, conflict, invalid } from "../../lib/errors";
import { newId } from "../../lib/ids";
import { checkAccountPassword, hashPassword, newHashIterations } from "../../lib/password";
import { clientIp } from "../../lib/request";
import { passwordSignIn } from "../../lib/session-response";
import { shardCtx } from "../../lib/tenant-shard";
import { chargePasswordAttempt } from "../../middleware/login-throttle";
import { MfaChallengeOut, Password, SessionOut } from "../auth/schemas";
import { errors, jsonBody, jsonResponse, send } from "../shared";
import { pendingInvitation } from "./pending";
import { InvitationToken } from "./schemas";

const AcceptBody = z
  .strictObject({
    token: InvitationToken,
    name: z
      .string()
      .trim()
      .min(1)
      .max(120)
      .optional()
      .openapi({ description: "Required when the e-mail has no account yet; an existing account keeps its name" }),
    password: z.string().min(1).max(200).openapi({ description: "The new account's password (at least 10 characters), or the existing account's" }),
  })
  .openapi("AcceptInvitationRequest");

export const route = createRoute({
  method: "post",
  path: "/invitations/accept",
  tags: ["invitations"],
  summary: "Public: accept an invitation; creates the account when needed and signs in",
  request: jsonBody(AcceptBody),
  description: "An existing account with a second factor joins and gets a pending sign-in (202, as POST /auth/login).",
  responses: {
    200: jsonResponse(SessionOut, "Joined the tenant and signed in"),
    202: jsonResponse(MfaChallengeOut, "Joined the tenant; a second factor is needed to sign in (POST /auth/mfa)"),
    ...errors(400, 401, 403, 404, 409, 413, 415, 429),
  },
});

export function register(app: Router) {
  app.openapi(route, async (c) => {
    const body = c.req.valid("json");
    const { invitation, tenant } = await pendingInvitation(c, body.token);
    // Accepting as an existing user checks a password, so it counts against the same account and address as login.
    const attempt = await chargePasswordAttempt(c, invitation.email);
    const ctx = await shardCtx(c, invitation.tenantId);
    const existing = await findUserByEmail(ctx.control, invitation.email);
    let user: { id: string; email: string; name: string };
    let isNew: boolean;
    let password;
    if (existing) {
      if (!(await checkAccountPassword(body.password, existing))) {
        throw new ApiError("unauthorized", "wrong password: this e-mail already has a Tutti account; enter its password");
      }
      user = { id: existing.id, email: existing.email, name: existing.name };
      isNew = false;
    } else {
      if (!body.name) throw invalid("name", "required to create your account");
      const policy = Password.safeParse(body.password);
      if (!policy.success) throw invalid("password", policy.error.issues[0].message);
      password = await hashPassword(body.password, newHashIterations(c.env));
      user = { id: newId("user"), email: invitation.email, name: body.name };
      isNew = true;
    }
    const joinTeam = invitation.teamId ? (await getTeam(ctx, invitation.teamId)) != null : false;
    await acceptInvitation(ctx, {
      invitation,
      user: { ...user, isNew, password },
      joinTeam,
      ip: clientIp(c),
      requestId: c.get("requestId"),
      now: c.get("clock").now(),
    }).catch((err) => {
      if (isUniqueViolation(err)) throw conflict("this invitation was just accepted, or you are already a member of this tenant");
      throw err;
    });
    await attempt.succeeded();
    const next = await passwordSignIn(c, user, { id: tenant.id, slug: tenant.slug, name: tenant.name, role: invitation.role });
    return next.status === 202 ? send(c, 202, MfaChallengeOut, next.challenge) : send(c, 200, SessionOut, next.session);
  });
}
