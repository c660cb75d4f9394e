import { createRoute } from "@hono/zod-openapi";
import type { Router } from "../../context";
import { tenantCtx } from "../../db/client";
import { getInvitation, revokeInvitation } from "../../db/repo/accounts/invitations";
import { conflict, notFound } from "../../lib/errors";
import { requireAdmin } from "../../lib/principal";
import { auditSource } from "../../lib/request";
import { IdParam, bearerSecurity, errors, jsonResponse, send } from "../shared";
import { InvitationOut, invitationOut } from "./schemas";

export const route = createRoute({
  method: "delete",
  path: "/invitations/{id}",
  tags: ["invitations"],
  summary: "Revoke an invitation so its link stops working (tenant owners and admins)",
  security: bearerSecurity,
  request: { params: IdParam },
  responses: { 200: jsonResponse(InvitationOut, "The revoked invitation"), ...errors(401, 403, 404, 409) },
});

export function register(app: Router) {
  app.openapi(route, async (c) => {
    const p = c.get("principal");
    const ctx = tenantCtx(c.get("db"), p.tenantId, c.get("controlDb"));
    const invitation = await getInvitation(ctx, c.req.valid("param").id);
    if (!invitation) throw notFound("invitation");
    requireAdmin(p);
    if (invitation.acceptedAt != null) throw conflict("the invitation was already accepted; remove the member instead");
    const revoked = invitation.revokedAt != null ? invitation : await revokeInvitation(ctx, auditSource(c), invitation);
    return send(c, 200, InvitationOut, invitationOut(revoked, c.get("clock").now()));
  });
}
