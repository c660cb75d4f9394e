import type { Context } from "hono";
import type { AppEnv } from "../../context";
import { tenantCtx } from "../../db/client";
import { countOwners, getTenantMember } from "../../db/repo/accounts/members";
import type { TenantRole } from "../../db/schema/enums";
import { ApiError, conflict, notFound } from "../../lib/errors";
import { requireAdmin } from "../../lib/principal";

/**
 * The member at `userId` (404 first, so other tenants learn nothing), then the caller's right to change them:
 * owners and admins manage members, but only owners touch owners or make new ones, and the last owner stays.
 */
export async function loadMemberForChange(c: Context<AppEnv>, userId: string, newRole: TenantRole | null) {
  const p = c.get("principal");
  const ctx = tenantCtx(c.get("db"), p.tenantId, c.get("controlDb"));
  const member = await getTenantMember(ctx, userId);
  if (!member) throw notFound("member");
  requireAdmin(p);
  const touchesOwner = member.role === "owner" || newRole === "owner";
  if (touchesOwner && p.role !== "owner") throw new ApiError("forbidden", "only owners can change owners or make someone an owner");
  if (member.role === "owner" && newRole !== "owner" && (await countOwners(ctx)) <= 1) {
    throw conflict(
      newRole ? "the last owner cannot be demoted; make someone else an owner first" : "the last owner cannot be removed; make someone else an owner first",
    );
  }
  return { ctx, member, p };
}
