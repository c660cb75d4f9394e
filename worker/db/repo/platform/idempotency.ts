import { and, eq } from "drizzle-orm";
import type { TenantCtx } from "../../client";
import { idempotencyKeys } from "../../schema";

/**
 * Claims `key` for this request (in progress: status 0, no request hash yet); returns the existing row when another
 * request got there first.
 */
export async function claimIdempotencyKey(ctx: TenantCtx, key: string, method: string, path: string, now: number) {
  const inserted = await ctx.db
    .insert(idempotencyKeys)
    .values({ tenantId: ctx.tenantId, key, method, path, requestHash: "", statusCode: 0, createdAt: now })
    .onConflictDoNothing()
    .returning({ key: idempotencyKeys.key });
  if (inserted.length) return null;
  const [existing] = await ctx.db
    .select()
    .from(idempotencyKeys)
    .where(and(eq(idempotencyKeys.tenantId, ctx.tenantId), eq(idempotencyKeys.key, key)));
  return existing ?? null;
}

export async function completeIdempotencyKey(ctx: TenantCtx, key: string, requestHash: string, statusCode: number, body: string) {
  await ctx.db
    .update(idempotencyKeys)
    .set({ requestHash, statusCode, responseBody: body })
    .where(and(eq(idempotencyKeys.tenantId, ctx.tenantId), eq(idempotencyKeys.key, key)));
}

/** A failed attempt (5xx or thrown) releases the key so the client's retry can run. */
export async function releaseIdempotencyKey(ctx: TenantCtx, key: string) {
  await ctx.db.delete(idempotencyKeys).where(and(eq(idempotencyKeys.tenantId, ctx.tenantId), eq(idempotencyKeys.key, key)));
}
