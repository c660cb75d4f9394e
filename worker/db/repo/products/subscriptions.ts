import { and, asc, eq, inArray, isNotNull, isNull } from "drizzle-orm";
import { newId } from "../../../lib/ids";
import type { Db, TenantCtx } from "../../client";
import { productSubscriptions } from "../../schema";
import { auditInsert, type AuditSource } from "../platform/audit";

/** Who hears about a product's incidents besides its teams: confirmed e-mail addresses and the owners' channels. */

export type ProductSubscription = typeof productSubscriptions.$inferSelect;

const STATUS_PAGE = "status_page";

/**
 * The address's subscription to the product: created unconfirmed, or the one that exists (two sign-ups at once make
 * one row). `created` says whether this call made it.
 */
export async function subscribeEmail(
  ctx: TenantCtx,
  productId: string,
  email: string,
  linkOrigin: string,
  now: number,
): Promise<{ sub: ProductSubscription; created: boolean }> {
  const [inserted] = await ctx.db
    .insert(productSubscriptions)
    .values({
      tenantId: ctx.tenantId,
      id: newId("subscription"),
      productId,
      kind: "email",
      email,
      channelId: null,
      linkOrigin,
      confirmedAt: null,
      createdBy: STATUS_PAGE,
      createdAt: now,
    })
    .onConflictDoNothing()
    .returning();
  if (inserted) return { sub: inserted, created: true };
  const [existing] = await ctx.db
    .select()
    .from(productSubscriptions)
    .where(and(eq(productSubscriptions.tenantId, ctx.tenantId), eq(productSubscriptions.productId, productId), eq(productSubscriptions.email, email)))
    .limit(1);
  return { sub: existing, created: false };
}

/** A subscription by its id alone, in any tenant: the confirmation and unsubscribe links carry it (signed). */
export async function findSubscription(db: Db, id: string): Promise<ProductSubscription | null> {
  const [row] = await db.select().from(productSubscriptions).where(eq(productSubscriptions.id, id)).limit(1);
  return row ?? null;
}

export async function getSubscription(ctx: TenantCtx, productId: string, id: string): Promise<ProductSubscription | null> {
  const [row] = await ctx.db
    .select()
    .from(productSubscriptions)
    .where(and(eq(productSubscriptions.tenantId, ctx.tenantId), eq(productSubscriptions.productId, productId), eq(productSubscriptions.id, id)))
    .limit(1);
  return row ?? null;
}

/** Confirms once, with its audit entry; a second click of the link changes nothing and records nothing. */
export async function confirmSubscription(ctx: TenantCtx, source: AuditSource, sub: ProductSubscription, ownerTeamId: string): Promise<void> {
  const [confirmed] = await ctx.db
    .update(productSubscriptions)
    .set({ confirmedAt: source.now })
    .where(and(eq(productSubscriptions.tenantId, ctx.tenantId), eq(productSubscriptions.id, sub.id), isNull(productSubscriptions.confirmedAt)))
    .returning({ id: productSubscriptions.id });
  if (!confirmed) return;
  await auditInsert(ctx, source, {
    action: "product.subscription_confirmed",
    targetType: "product",
    targetId: sub.productId,
    teamId: ownerTeamId,
    details: { subscription_id: sub.id, kind: sub.kind },
  });
}

/** Removes a subscription (the subscriber's own unsubscribe link, or the owners), with its audit entry. */
export async function removeSubscription(ctx: TenantCtx, source: AuditSource, sub: ProductSubscription, ownerTeamId: string): Promise<void> {
  await ctx.db.batch([
    ctx.db.delete(productSubscriptions).where(and(eq(productSubscriptions.tenantId, ctx.tenantId), eq(productSubscriptions.id, sub.id))),
    auditInsert(ctx, source, {
      action: "product.subscription_removed",
      targetType: "product",
      targetId: sub.productId,
      teamId: ownerTeamId,
      details: { subscription_id: sub.id, kind: sub.kind, ...(sub.channelId ? { channel_id: sub.channelId } : {}) },
    }),
  ]);
}

/** Adds an owner team's channel; null when the product already has it. */
export async function subscribeChannel(
  ctx: TenantCtx,
  source: AuditSource,
  input: { productId: string; ownerTeamId: string; channelId: string; createdBy: string },
): Promise<ProductSubscription | null> {
  const id = newId("subscription");
  const [inserted] = await ctx.db
    .insert(productSubscriptions)
    .values({
      tenantId: ctx.tenantId,
      id,
      productId: input.productId,
      kind: "channel",
      email: null,
      channelId: input.channelId,
      linkOrigin: null,
      confirmedAt: source.now,
      createdBy: input.createdBy,
      createdAt: source.now,
    })
    .onConflictDoNothing()
    .returning();
  if (!inserted) return null;
  await auditInsert(ctx, source, {
    action: "product.subscription_added",
    targetType: "product",
    targetId: input.productId,
    teamId: input.ownerTeamId,
    details: { subscription_id: id, kind: "channel", channel_id: input.channelId },
  });
  return inserted;
}

export async function listSubscriptions(ctx: TenantCtx, productId: string): Promise<ProductSubscription[]> {
  return ctx.db
    .select()
    .from(productSubscriptions)
    .where(and(eq(productSubscriptions.tenantId, ctx.tenantId), eq(productSubscriptions.productId, productId)))
    .orderBy(asc(productSubscriptions.kind), asc(productSubscriptions.createdAt), asc(productSubscriptions.id));
}

/** Confirmed subscriptions of the given products: who an incident on them reaches. */
export async function confirmedSubscriptions(ctx: TenantCtx, productIds: string[]): Promise<ProductSubscription[]> {
  if (!productIds.length) return [];
  return ctx.db
    .select()
    .from(productSubscriptions)
    .where(
      and(eq(productSubscriptions.tenantId, ctx.tenantId), inArray(productSubscriptions.productId, productIds), isNotNull(productSubscriptions.confirmedAt)),
    )
    .orderBy(asc(productSubscriptions.id));
}

export async function subscriptionById(ctx: TenantCtx, id: string): Promise<ProductSubscription | null> {
  const [row] = await ctx.db
    .select()
    .from(productSubscriptions)
    .where(and(eq(productSubscriptions.tenantId, ctx.tenantId), eq(productSubscriptions.id, id)))
    .limit(1);
  return row ?? null;
}
