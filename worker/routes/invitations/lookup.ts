import { createRoute, z } from "@hono/zod-openapi";
import type { Router } from "../../context";
import { tenantRoles } from "../../db/schema/enums";
import { errors, jsonResponse, send } from "../shared";
import { pendingInvitation } from "./pending";
import { InvitationToken } from "./schemas";

const LookupOut = z
  .object({
    tenant: z.object({ name: z.string(), slug: z.string() }),
    email: z.string(),
    role: z.enum(tenantRoles),
    expires_at: z.string(),
  })
  .openapi("InvitationLookup");

export const route = createRoute({
  method: "get",
  path: "/invitations/lookup",
  tags: ["invitations"],
  summary: "Public: what an invitation link is for, so the accept page can greet the person",
  description: "Never says whether the invited e-mail already has an account: the accept form asks for a name and a password either way.",
  request: { query: z.object({ token: InvitationToken }) },
  responses: { 200: jsonResponse(LookupOut, "A pending invitation"), ...errors(400, 404, 409) },
});

export function register(app: Router) {
  app.openapi(route, async (c) => {
    const { invitation, tenant } = await pendingInvitation(c, c.req.valid("query").token);
    return send(c, 200, LookupOut, {
      tenant: { name: tenant.name, slug: tenant.slug },
      email: invitation.email,
      role: invitation.role,
      expires_at: new Date(invitation.expiresAt).toISOString(),
    });
  });
}
