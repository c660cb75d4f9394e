import type { Context } from "hono";
import type { AppEnv } from "../../context";
import { findInvitationByTokenHash, invitationStatus } from "../../db/repo/accounts/invitations";
import { ApiError, notFound } from "../../lib/errors";
import { sha256Hex } from "../../lib/hash";

const why = { accepted: "was already accepted", revoked: "was revoked", expired: "has expired" } as const;

/** The still-pending invitation behind a link token; 404 for unknown tokens, 409 saying why for used ones. */
export async function pendingInvitation(c: Context<AppEnv>, token: string) {
  const found = await findInvitationByTokenHash(c.get("controlDb"), await sha256Hex(token));
  if (!found) throw notFound("invitation");
  const status = invitationStatus(found.invitation, c.get("clock").now());
  if (status !== "pending") throw new ApiError("conflict", `this invitation ${why[status]}; ask for a new one`);
  return found;
}
