import { and, eq, sql } from "drizzle-orm";
import type { BatchItem } from "drizzle-orm/batch";
import { batchSides, type Db, type TenantCtx } from "../../client";
import { type PublicIdKind, publicIds } from "../../schema";

/**
 * The control database's directory of public ids (schema/public-ids.ts): which tenant a webhook's or status page's id
 * belongs to. Entries are written with their object and removed with it; a public route reads one to find the tenant
 * (lib/public-ids.ts caches the answers), then reads the object on the tenant's shard by tenant and id.
 */

type Statements = BatchItem<"sqlite">[];

/** The directory entry of a new public id, for the control half of a write (batchSides); a second copy changes nothing. */
export const publicIdInsert = (ctx: TenantCtx, kind: PublicIdKind, publicId: string, now: number) =>
  ctx.control.insert(publicIds).values({ tenantId: ctx.tenantId, kind, publicId, createdAt: now }).onConflictDoNothing();

/**
 * Removes the entries of public ids whose objects go (a deleted connection, a revoked link, a removed subscription).
 * The ids travel as one JSON parameter: a product's subscribers can be more than D1's 100 bound parameters.
 */
export const publicIdsDelete = (ctx: TenantCtx, kind: PublicIdKind, ids: string[]) =>
  ctx.control
    .delete(publicIds)
    .where(
      and(eq(publicIds.tenantId, ctx.tenantId), eq(publicIds.kind, kind), sql`${publicIds.publicId} IN (SELECT value FROM json_each(${JSON.stringify(ids)}))`),
    );

/**
 * Creates an object reached by a public id: its directory entry first (control), then the object on the shard, as
 * batchSides orders every write touching both (with one database, one batch). When the shard's part fails (a
 * duplicate name), the entry is taken back, so refused creations leave nothing on either side.
 */
export async function createWithPublicId(ctx: TenantCtx, kind: PublicIdKind, publicId: string, now: number, shard: Statements): Promise<void> {
  try {
    await batchSides(ctx, [publicIdInsert(ctx, kind, publicId, now)], shard);
  } catch (err) {
    if (ctx.control !== ctx.db) await publicIdsDelete(ctx, kind, [publicId]).catch(() => undefined);
    throw err;
  }
}

/**
 * The tenant a public id belongs to, in any tenant: the id (from a URL) is all a public route knows. Null when the
 * directory has no such id.
 */
export async function findPublicIdTenant(control: Db, kind: PublicIdKind, publicId: string): Promise<string | null> {
  const [row] = await control
    .select({ tenantId: publicIds.tenantId })
    .from(publicIds)
    .where(and(eq(publicIds.kind, kind), eq(publicIds.publicId, publicId)))
    .limit(1);
  return row?.tenantId ?? null;
}
