import { and, asc, eq, inArray, isNotNull, isNull } from "drizzle-orm";
import { newId } from "../../../lib/ids";
import { batchSides, type TenantCtx } from "../../client";
import { productSubscriptions } from "../../schema";
import { auditInsert, type AuditSource } from "../platform/audit";
import { publicIdInsert, publicIdsDelete } from "../platform/public-ids";

/** Who hears about a product's incidents besides its teams: confirmed e-mail addresses and the owners' channels. */

export type ProductSubscription = typeof productSubscriptions.$inferSelect;

const STATUS_PAGE = "status_page";

/**
 * The address's subscription to the product: created unconfirmed, or the one that exists (two sign-ups at once make
 * one row). `created` says whether this call made it. The subscription's id is a public one (its mailed links name
 * it): the control database's directory gets it first, and loses it again when the address was already subscribed.
 */
export async function subscribeEmail(
  ctx: TenantCtx,
  productId: string,
  email: string,
  linkOrigin: string,
  now: number,
): Promise<{ sub: ProductSubscription; created: boolean }> {
  const existing = await emailSubscription(ctx, productId, email);
  if (existing) return { sub: existing, created: false };
  const id = newId("subscription");
  await publicIdInsert(ctx, "subscription", id, now);
  const [inserted] = await ctx.db
    .insert(productSubscriptions)
    .values({
      tenantId: ctx.tenantId,
      id,
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
    .returning()
    .catch(async (err) => {
      await publicIdsDelete(ctx, "subscription", [id]);
      throw err;
    });
  if (inserted) return { sub: inserted, created: true };
  // Another sign-up of the same address got there first.
  await publicIdsDelete(ctx, "subscription", [id]);
  return { sub: (await emailSubscription(ctx, productId, email))!, created: false };
}

async function emailSubscription(ctx: TenantCtx, productId: string, email: string): Promise<ProductSubscription | null> {
  const [row] = await ctx.db
    .select()
    .from(productSubscriptions)
    .where(and(eq(productSubscriptions.tenantId, ctx.tenantId), eq(productSubscriptions.productId, productId), eq(productSubscriptions.email, email)))
    .limit(1);
  return row ?? null;
}

/**
 * The tenant's subscription by id: the confirmation and unsubscribe links carry it (signed), and the public route
 * finds its tenant from the control database's directory (lib/public-ids.ts).
 */
export async function findSubscription(ctx: TenantCtx, id: string): Promise<ProductSubscription | null> {
  const [row] = await ctx.db
    .select()
    .from(productSubscriptions)
    .where(and(eq(productSubscriptions.tenantId, ctx.tenantId), eq(productSubscriptions.id, id)))
    .limit(1);
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
  // Its links stop resolving with it (a channel's subscription has none).
  await batchSides(ctx, sub.kind === "email" ? [publicIdsDelete(ctx, "subscription", [sub.id])] : [], [
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
