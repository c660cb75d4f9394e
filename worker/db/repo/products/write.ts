import { and, eq, inArray } from "drizzle-orm";
import { newId } from "../../../lib/ids";
import { batchSides, type TenantCtx } from "../../client";
import { budgetCrossings, budgets, productMembers, products, productShares, productSubscriptions, type ProductConsumer } from "../../schema";
import type { ProductMemberKind, ProductTier } from "../../schema/enums";
import { auditInsert, type AuditSource } from "../platform/audit";
import { publicIdsDelete } from "../platform/public-ids";
import { getProduct, type Product } from "./products";

/** Creating, changing and deleting products with their member rules, each one batch with its audit entry. */

export interface MemberInput {
  kind: ProductMemberKind;
  ref: string;
  weight: number;
}

export interface ProductFields {
  name: string;
  title: string;
  description: string;
  ownerTeamId: string;
  tier: ProductTier;
  valueMicros: number | null;
  valueRationale: string;
  sla: { cron: string; timezone: string; maxAgeMs: number } | null;
  slaSuccessTarget: number | null;
  consumers: ProductConsumer[];
}

function columnsOf(f: Partial<ProductFields>) {
  const set: Partial<typeof products.$inferInsert> = {};
  if (f.name !== undefined) set.name = f.name;
  if (f.title !== undefined) set.title = f.title;
  if (f.description !== undefined) set.description = f.description;
  if (f.ownerTeamId !== undefined) set.ownerTeamId = f.ownerTeamId;
  if (f.tier !== undefined) set.tier = f.tier;
  if (f.valueMicros !== undefined) set.valueMicros = f.valueMicros;
  if (f.valueRationale !== undefined) set.valueRationale = f.valueRationale;
  if (f.sla !== undefined) {
    set.slaCron = f.sla?.cron ?? null;
    set.slaTimezone = f.sla?.timezone ?? null;
    set.slaMaxAgeMs = f.sla?.maxAgeMs ?? null;
  }
  if (f.slaSuccessTarget !== undefined) set.slaSuccessTarget = f.slaSuccessTarget;
  if (f.consumers !== undefined) set.consumers = f.consumers;
  return set;
}

function memberInserts(ctx: TenantCtx, productId: string, members: MemberInput[], now: number) {
  return members.map((m) =>
    ctx.db.insert(productMembers).values({ tenantId: ctx.tenantId, productId, kind: m.kind, ref: m.ref, weight: m.weight, createdAt: now }),
  );
}

/** Creates a product with its members; the unique name index turns a racing create into a conflict for the caller. */
export async function createProduct(ctx: TenantCtx, audit: AuditSource, fields: ProductFields, members: MemberInput[]): Promise<Product> {
  const id = newId("product");
  const row = { tenantId: ctx.tenantId, id, ...columnsOf(fields), createdAt: audit.now, updatedAt: audit.now } as typeof products.$inferInsert;
  await ctx.db.batch([
    ctx.db.insert(products).values(row),
    ...memberInserts(ctx, id, members, audit.now),
    auditInsert(ctx, audit, {
      action: "product.create",
      targetType: "product",
      targetId: id,
      teamId: fields.ownerTeamId,
      details: { name: fields.name, members: members.length },
    }),
  ]);
  return (await getProduct(ctx, id))!.p;
}

/** Changes fields; `members`, when given, replaces the whole member list. */
export async function updateProduct(
  ctx: TenantCtx,
  audit: AuditSource,
  product: Product,
  fields: Partial<ProductFields>,
  members: MemberInput[] | undefined,
): Promise<Product> {
  const key = and(eq(products.tenantId, ctx.tenantId), eq(products.id, product.id));
  await ctx.db.batch([
    ctx.db
      .update(products)
      .set({ ...columnsOf(fields), updatedAt: audit.now })
      .where(key),
    ...(members
      ? [
          ctx.db.delete(productMembers).where(and(eq(productMembers.tenantId, ctx.tenantId), eq(productMembers.productId, product.id))),
          ...memberInserts(ctx, product.id, members, audit.now),
        ]
      : []),
    auditInsert(ctx, audit, {
      action: "product.update",
      targetType: "product",
      targetId: product.id,
      teamId: fields.ownerTeamId ?? product.ownerTeamId,
      details: {
        fields: Object.keys(fields),
        ...(members ? { members: members.length } : {}),
        ...(fields.ownerTeamId && fields.ownerTeamId !== product.ownerTeamId ? { owner_team_id: { from: product.ownerTeamId, to: fields.ownerTeamId } } : {}),
      },
    }),
  ]);
  return (await getProduct(ctx, product.id))!.p;
}

/** Deletes a product, its members, its budget, its share links (they stop working) and its subscriptions; cost already allocated to it is re-attributed by the caller. */
export async function deleteProduct(ctx: TenantCtx, audit: AuditSource, product: Product): Promise<void> {
  const budgetIds = ctx.db
    .select({ id: budgets.id })
    .from(budgets)
    .where(and(eq(budgets.tenantId, ctx.tenantId), eq(budgets.scope, "product"), eq(budgets.scopeId, product.id)));
  // Its links stop resolving with it: the directory entries of its share links and subscribers' links go first.
  const [shares, subscribers] = await Promise.all([
    ctx.db
      .select({ tokenHash: productShares.tokenHash })
      .from(productShares)
      .where(and(eq(productShares.tenantId, ctx.tenantId), eq(productShares.productId, product.id))),
    ctx.db
      .select({ id: productSubscriptions.id })
      .from(productSubscriptions)
      .where(and(eq(productSubscriptions.tenantId, ctx.tenantId), eq(productSubscriptions.productId, product.id), eq(productSubscriptions.kind, "email"))),
  ]);
  const control = [
    ...(shares.length
      ? [
          publicIdsDelete(
            ctx,
            "status_share",
            shares.map((s) => s.tokenHash),
          ),
        ]
      : []),
    ...(subscribers.length
      ? [
          publicIdsDelete(
            ctx,
            "subscription",
            subscribers.map((s) => s.id),
          ),
        ]
      : []),
  ];
  await batchSides(ctx, control, [
    ctx.db.delete(budgetCrossings).where(and(eq(budgetCrossings.tenantId, ctx.tenantId), inArray(budgetCrossings.budgetId, budgetIds))),
    ctx.db.delete(budgets).where(and(eq(budgets.tenantId, ctx.tenantId), eq(budgets.scope, "product"), eq(budgets.scopeId, product.id))),
    ctx.db.delete(productMembers).where(and(eq(productMembers.tenantId, ctx.tenantId), eq(productMembers.productId, product.id))),
    ctx.db.delete(productShares).where(and(eq(productShares.tenantId, ctx.tenantId), eq(productShares.productId, product.id))),
    ctx.db.delete(productSubscriptions).where(and(eq(productSubscriptions.tenantId, ctx.tenantId), eq(productSubscriptions.productId, product.id))),
    ctx.db.delete(products).where(and(eq(products.tenantId, ctx.tenantId), eq(products.id, product.id))),
    auditInsert(ctx, audit, {
      action: "product.delete",
      targetType: "product",
      targetId: product.id,
      teamId: product.ownerTeamId,
      details: { name: product.name },
    }),
  ]);
}
