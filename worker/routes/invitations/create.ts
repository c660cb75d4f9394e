import { createRoute } from "@hono/zod-openapi";
import type { Router } from "../../context";
import { tenantCtx } from "../../db/client";
import { createInvitation } from "../../db/repo/accounts/invitations";
import { isTenantMemberEmail } from "../../db/repo/accounts/members";
import { getTeam } from "../../db/repo/accounts/teams";
import { userAndTenant } from "../../db/repo/accounts/users";
import { ApiError, conflict, invalid } from "../../lib/errors";
import { sha256Hex } from "../../lib/hash";
import { randomString } from "../../lib/ids";
import { requireAdmin } from "../../lib/principal";
import { appOrigin, auditSource, requestLog } from "../../lib/request";
import { invitationMail } from "../../mail/account-mails";
import { sendMail } from "../../mail/send";
import { withholdFromReplay } from "../../middleware/idempotency";
import { bearerSecurity, errors, jsonBody, jsonResponse, send } from "../shared";
import { CreateInvitationBody, CreatedInvitation, invitationOut } from "./schemas";

const DAY = 86_400_000;

export const route = createRoute({
  method: "post",
  path: "/invitations",
  tags: ["invitations"],
  summary: "Invite someone: mails them the link and returns it (tenant owners and admins)",
  description:
    "Mails the invitation link to the address and returns it once (`url`, `token`); only a hash of the token is stored. " +
    "A retry with the same Idempotency-Key does not repeat the link: it answers 409 conflict saying the invitation was already created " +
    "(revoke it and invite again if the link was lost).",
  security: bearerSecurity,
  request: jsonBody(CreateInvitationBody),
  responses: { 201: jsonResponse(CreatedInvitation, "The invitation and its one-time link"), ...errors(400, 401, 403, 409, 413, 415) },
});

export function register(app: Router) {
  app.openapi(route, async (c) => {
    const p = c.get("principal");
    requireAdmin(p);
    const body = c.req.valid("json");
    if (body.role === "owner" && p.role !== "owner") throw new ApiError("forbidden", "only owners can invite owners");
    const ctx = tenantCtx(c.get("db"), p.tenantId, c.get("controlDb"));
    if (body.team_id && !(await getTeam(ctx, body.team_id))) throw invalid("team_id", "no such team");
    if (await isTenantMemberEmail(ctx, body.email))
      throw conflict("already a member of this tenant", [{ path: "email", message: "already a member of this tenant" }]);
    const token = randomString(40);
    const tokenHash = await sha256Hex(token);
    // One instant for created_at and expires_at, so the validity is exactly the days asked for.
    const source = auditSource(c);
    const now = source.now;
    const invitation = await createInvitation(ctx, source, {
      email: body.email,
      role: body.role,
      teamId: body.team_id ?? null,
      tokenHash,
      expiresAt: now + body.expires_in_days * DAY,
      createdBy: p.userId,
    });
    const url = `${appOrigin(c)}/invite/${token}`;
    const { user, tenant } = await userAndTenant(ctx, p.userId);
    const mail = invitationMail(body.email, url, {
      tenantName: tenant?.name ?? p.tenantSlug,
      invitedBy: user?.name ?? p.actor.label,
      role: body.role,
      expiresAt: invitation.expiresAt,
    });
    // Sent as well as shown: the link below stays the way to pass it on when the mail does not arrive.
    const mailed = await sendMail(c.env, c.get("controlDb"), mail, now, requestLog(c));
    withholdFromReplay(
      c,
      `this Idempotency-Key already created invitation ${invitation.id}; its link was shown only once, in the first response — revoke it and invite again if it was lost`,
    );
    return send(c, 201, CreatedInvitation, { invitation: invitationOut(invitation, now), url, token, mail: mailed });
  });
}
