import type { Context } from "hono";
import type { AppEnv } from "../context";
import { type ShardOf, type TenantCtx, tenantCtx } from "../db/client";
import { shardDb, tenantContext } from "../db/shards";

/**
 * A tenant's data context where the request reached it without a credential of that tenant (sign-in steps, account
 * pages touching every workspace of a person): the shard comes from the control database's map.
 */
export async function shardCtx(c: Context<AppEnv>, tenantId: string): Promise<TenantCtx> {
  const principal = c.var.principal;
  if (principal?.tenantId === tenantId) return tenantCtx(c.get("db"), tenantId, c.get("controlDb"));
  return tenantContext(c.env, tenantId);
}

/** The request's way to a shard by name, for writes reaching every workspace of a person (batchEverywhere). */
export const shardOf =
  (c: Context<AppEnv>): ShardOf =>
  (shard) =>
    shardDb(c.env, shard);
