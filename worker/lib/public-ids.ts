import type { Context } from "hono";
import type { AppEnv } from "../context";
import type { Db, TenantCtx } from "../db/client";
import { findPublicIdTenant } from "../db/repo/platform/public-ids";
import type { PublicIdKind } from "../db/schema";
import { tenantContext } from "../db/shards";
import { TtlCache } from "./ttl-cache";

/**
 * Public routes (webhooks, status pages, subscription links) name an object by an id alone; the control database's
 * directory says whose it is (db/repo/platform/public-ids.ts), and with the tenant comes its shard.
 *
 * Answers are kept per isolate, unknown ids too (like connection-cache's webhook ids): a flood of requests to ids that
 * do not exist costs one control read per id and isolate. A kept answer opens nothing by itself: the object is read
 * again on the shard by tenant and id, so a link revoked or an object deleted meanwhile answers 404 at once. Ids are
 * random and only known once their object exists, so remembering "unknown" delays nobody.
 */
export const DIRECTORY_TTL_MS = 60_000;
const directory = new TtlCache<string | null>(DIRECTORY_TTL_MS, 10_000);

export async function publicIdTenant(control: Db, kind: PublicIdKind, publicId: string, now: number): Promise<string | null> {
  const key = `${kind}:${publicId}`;
  const hit = directory.get(key, now);
  if (hit !== undefined) return hit;
  const tenantId = await findPublicIdTenant(control, kind, publicId);
  directory.set(key, tenantId, now);
  return tenantId;
}

/** The request's tenant is known (from a public id, verified by the caller's own checks): `db` becomes its shard. */
export async function useTenant(c: Context<AppEnv>, tenantId: string): Promise<TenantCtx> {
  const ctx = await tenantContext(c.env, tenantId);
  c.set("db", ctx.db);
  return ctx;
}

/** The context of the tenant a public id belongs to, with the request's `db` set to its shard; null for an unknown id. */
export async function publicIdContext(c: Context<AppEnv>, kind: PublicIdKind, publicId: string): Promise<TenantCtx | null> {
  const tenantId = await publicIdTenant(c.get("controlDb"), kind, publicId, c.get("clock").now());
  return tenantId ? useTenant(c, tenantId) : null;
}
