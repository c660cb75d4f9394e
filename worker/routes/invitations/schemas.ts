import { z } from "@hono/zod-openapi";
import { invitationStatus, type Invitation } from "../../db/repo/accounts/invitations";
import { tenantRoles } from "../../db/schema/enums";
import { mailOutcomes } from "../../mail/send";
import { Email } from "../auth/schemas";
import { timestamp } from "../shared";

export const InvitationOut = z
  .object({
    id: z.string().openapi({ example: "inv_3k9q0x2m4n5b6v7c8z1a" }),
    email: z.string(),
    role: z.enum(tenantRoles),
    team_id: z.string().nullable(),
    status: z.enum(["pending", "accepted", "revoked", "expired"]),
    expires_at: timestamp,
    created_at: timestamp,
    created_by: z.string(),
  })
  .openapi("Invitation");

export const InvitationList = z.object({ items: z.array(InvitationOut), next_cursor: z.string().nullable() }).openapi("InvitationList");

export const CreateInvitationBody = z
  .strictObject({
    email: Email,
    role: z.enum(tenantRoles),
    team_id: z.string().min(1).max(64).optional().openapi({ description: "Also add the person to this team (as member)" }),
    expires_in_days: z.number().int().min(1).max(30).default(7).openapi({ description: "Link lifetime; 7 days when omitted" }),
  })
  .openapi("CreateInvitationRequest");

export const CreatedInvitation = z
  .object({
    invitation: InvitationOut,
    url: z.string().openapi({ description: "The link to send; shown only in this response" }),
    token: z.string().openapi({ description: "The secret part of the link; shown only in this response" }),
    mail: z.enum(mailOutcomes).openapi({
      description:
        "What became of the mail with the link: `sent`, `captured` (local development: see /dev/mail), or `not_configured`/`failed` — then pass the link on yourself",
    }),
  })
  .openapi("CreatedInvitation");

export const invitationOut = (inv: Invitation, now: number): z.input<typeof InvitationOut> => ({
  id: inv.id,
  email: inv.email,
  role: inv.role,
  team_id: inv.teamId,
  status: invitationStatus(inv, now),
  expires_at: new Date(inv.expiresAt).toISOString(),
  created_at: new Date(inv.createdAt).toISOString(),
  created_by: inv.createdBy,
});

export const InvitationToken = z.string().min(20).max(128).openapi({ description: "The token from the invitation link" });
