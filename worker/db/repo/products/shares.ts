import { and, desc, eq, isNull } from "drizzle-orm";
import { newId } from "../../../lib/ids";
import type { TenantCtx } from "../../client";
import { productShares } from "../../schema";
import { auditInsert, type AuditSource } from "../platform/audit";
import { createWithPublicId, publicIdsDelete } from "../platform/public-ids";

/** Share links of products' status pages: created and revoked by the owners (audited), looked up by token hash. */

export type ProductShare = typeof productShares.$inferSelect;

export async function createShare(
  ctx: TenantCtx,
  source: AuditSource,
  input: { productId: string; ownerTeamId: string; label: string; tokenHash: string; createdBy: string },
): Promise<ProductShare> {
  const share: ProductShare = {
    tenantId: ctx.tenantId,
    id: newId("share"),
    productId: input.productId,
    label: input.label,
    tokenHash: input.tokenHash,
    createdBy: input.createdBy,
    createdAt: source.now,
    revokedAt: null,
    revokedBy: null,
  };
  // The token's hash is the page's public id: the control database's directory says whose it is.
  await createWithPublicId(ctx, "status_share", share.tokenHash, source.now, [
    ctx.db.insert(productShares).values(share),
    auditInsert(ctx, source, {
      action: "product.share_created",
      targetType: "product",
      targetId: input.productId,
      teamId: input.ownerTeamId,
      details: { share_id: share.id, label: share.label },
    }),
  ]);
  return share;
}

/** A product's links, newest first, revoked ones included (owners see what they turned off). */
export async function listShares(ctx: TenantCtx, productId: string): Promise<ProductShare[]> {
  return ctx.db
    .select()
    .from(productShares)
    .where(and(eq(productShares.tenantId, ctx.tenantId), eq(productShares.productId, productId)))
    .orderBy(desc(productShares.createdAt), desc(productShares.id));
}

export async function getShare(ctx: TenantCtx, productId: string, id: string): Promise<ProductShare | null> {
  const [row] = await ctx.db
    .select()
    .from(productShares)
    .where(and(eq(productShares.tenantId, ctx.tenantId), eq(productShares.productId, productId), eq(productShares.id, id)))
    .limit(1);
  return row ?? null;
}

/**
 * Revokes a link once: a second revocation (or two at once) changes nothing and records nothing. Its directory entry
 * goes first, as a right taken away does (db/client.ts batchSides); the row stays for the owners to see.
 */
export async function revokeShare(ctx: TenantCtx, source: AuditSource, share: ProductShare, ownerTeamId: string, by: string): Promise<ProductShare> {
  await publicIdsDelete(ctx, "status_share", [share.tokenHash]);
  const [updated] = await ctx.db
    .update(productShares)
    .set({ revokedAt: source.now, revokedBy: by })
    .where(and(eq(productShares.tenantId, ctx.tenantId), eq(productShares.id, share.id), isNull(productShares.revokedAt)))
    .returning();
  if (!updated) return (await getShare(ctx, share.productId, share.id)) ?? share;
  await auditInsert(ctx, source, {
    action: "product.share_revoked",
    targetType: "product",
    targetId: share.productId,
    teamId: ownerTeamId,
    details: { share_id: share.id, label: share.label },
  });
  return updated;
}

/**
 * The tenant's live link with this token hash; null when unknown or revoked. The token is the credential: the public
 * route finds the tenant from the control database's directory (lib/public-ids.ts), then reads the link here.
 */
export async function findLiveShare(ctx: TenantCtx, tokenHash: string): Promise<ProductShare | null> {
  const [row] = await ctx.db
    .select()
    .from(productShares)
    .where(and(eq(productShares.tenantId, ctx.tenantId), eq(productShares.tokenHash, tokenHash), isNull(productShares.revokedAt)))
    .limit(1);
  return row ?? null;
}
