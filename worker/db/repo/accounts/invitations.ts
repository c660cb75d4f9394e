import { and, desc, eq, isNull, lt, or, type SQL } from "drizzle-orm";
import type { BatchItem } from "drizzle-orm/batch";
import { batchSides, type Db, type TenantCtx } from "../../client";
import { invitations, teamMembers, tenantMembers, tenants, users } from "../../schema";
import type { TenantRole } from "../../schema/enums";
import { newId } from "../../../lib/ids";
import type { PasswordHash } from "../../../lib/password";
import { auditInsert, type AuditSource } from "../platform/audit";

export type Invitation = typeof invitations.$inferSelect;
export type InvitationStatus = "pending" | "accepted" | "revoked" | "expired";

export function invitationStatus(inv: Pick<Invitation, "acceptedAt" | "revokedAt" | "expiresAt">, now: number): InvitationStatus {
  if (inv.acceptedAt != null) return "accepted";
  if (inv.revokedAt != null) return "revoked";
  return inv.expiresAt <= now ? "expired" : "pending";
}

export async function createInvitation(
  ctx: TenantCtx,
  source: AuditSource,
  input: { email: string; role: TenantRole; teamId: string | null; tokenHash: string; expiresAt: number; createdBy: string },
): Promise<Invitation> {
  const inv: Invitation = { tenantId: ctx.tenantId, id: newId("invitation"), ...input, acceptedAt: null, revokedAt: null, createdAt: source.now };
  await batchSides(
    ctx,
    [ctx.control.insert(invitations).values(inv)],
    [
      auditInsert(ctx, source, {
        action: "invitation.created",
        targetType: "invitation",
        targetId: inv.id,
        teamId: inv.teamId,
        details: { email: inv.email, role: inv.role, expires_at: new Date(inv.expiresAt).toISOString() },
      }),
    ],
  );
  return inv;
}

/** Newest first; returns `limit + 1` rows for cursor paging. */
export async function listInvitations(ctx: TenantCtx, f: { before?: { at: number; id: string }; limit: number }) {
  const conds: SQL[] = [eq(invitations.tenantId, ctx.tenantId)];
  if (f.before) {
    conds.push(or(lt(invitations.createdAt, f.before.at), and(eq(invitations.createdAt, f.before.at), lt(invitations.id, f.before.id)))!);
  }
  return ctx.control
    .select()
    .from(invitations)
    .where(and(...conds))
    .orderBy(desc(invitations.createdAt), desc(invitations.id))
    .limit(f.limit + 1);
}

export async function getInvitation(ctx: TenantCtx, id: string): Promise<Invitation | null> {
  const [row] = await ctx.control
    .select()
    .from(invitations)
    .where(and(eq(invitations.tenantId, ctx.tenantId), eq(invitations.id, id)))
    .limit(1);
  return row ?? null;
}

export async function revokeInvitation(ctx: TenantCtx, source: AuditSource, inv: Invitation): Promise<Invitation> {
  await batchSides(
    ctx,
    [
      ctx.control
        .update(invitations)
        .set({ revokedAt: source.now })
        .where(and(eq(invitations.tenantId, ctx.tenantId), eq(invitations.id, inv.id), isNull(invitations.acceptedAt))),
    ],
    [auditInsert(ctx, source, { action: "invitation.revoked", targetType: "invitation", targetId: inv.id, teamId: inv.teamId, details: { email: inv.email } })],
  );
  return { ...inv, revokedAt: source.now };
}

/**
 * The invitation behind a link, with its tenant. Like credential lookup this reads across tenants:
 * the secret token itself says which tenant it belongs to.
 */
export async function findInvitationByTokenHash(db: Db, tokenHash: string) {
  const [row] = await db
    .select({ invitation: invitations, tenant: { id: tenants.id, name: tenants.name, slug: tenants.slug } })
    .from(invitations)
    .innerJoin(tenants, eq(tenants.id, invitations.tenantId))
    .where(eq(invitations.tokenHash, tokenHash))
    .limit(1);
  return row ?? null;
}

export interface Acceptance {
  invitation: Invitation;
  /** The existing account, or the account to create. */
  user: { id: string; email: string; name: string; isNew: boolean; password?: PasswordHash };
  /** Whether the invited team still exists; a deleted team is skipped, the tenant membership still counts. */
  joinTeam: boolean;
  ip: string | null;
  requestId: string;
  now: number;
}

/**
 * Creates the account (when new), the tenant membership and marks the invitation accepted on the control database,
 * then the team membership and the audit entry on the tenant's shard (batchSides). A second acceptance fails on the
 * membership primary key in the first batch, before anything of the shard's is written; the shard's team row is
 * written with ON CONFLICT DO NOTHING so a retry after a lost shard batch cannot fail on it.
 */
export async function acceptInvitation(ctx: TenantCtx, a: Acceptance) {
  const { invitation: inv, user } = a;
  const source: AuditSource = { principal: { actor: { type: "user", id: user.id, label: user.email } }, ip: a.ip, requestId: a.requestId, now: a.now };
  const control: BatchItem<"sqlite">[] = [];
  if (user.isNew) {
    const pw = user.password!;
    control.push(
      ctx.control.insert(users).values({
        id: user.id,
        email: user.email,
        name: user.name,
        passwordHash: pw.hash,
        passwordSalt: pw.salt,
        passwordIterations: pw.iterations,
        createdAt: a.now,
      }),
    );
  }
  control.push(
    ctx.control.insert(tenantMembers).values({ tenantId: ctx.tenantId, userId: user.id, role: inv.role, createdAt: a.now }),
    ctx.control
      .update(invitations)
      .set({ acceptedAt: a.now })
      .where(and(eq(invitations.tenantId, ctx.tenantId), eq(invitations.id, inv.id))),
  );
  const shard: BatchItem<"sqlite">[] = [];
  if (inv.teamId && a.joinTeam) {
    shard.push(
      ctx.db
        .insert(teamMembers)
        .values({ tenantId: ctx.tenantId, teamId: inv.teamId, userId: user.id, role: "member", createdAt: a.now })
        .onConflictDoNothing(),
    );
  }
  shard.push(
    auditInsert(ctx, source, {
      action: "invitation.accepted",
      targetType: "invitation",
      targetId: inv.id,
      teamId: inv.teamId,
      details: { email: user.email, role: inv.role, user_id: user.id, new_account: user.isNew },
    }),
  );
  await batchSides(ctx, control, shard);
}
