import type { Context } from "hono";
import type { AppEnv } from "../../context";
import { tenantCtx } from "../../db/client";
import { getPool } from "../../db/repo/pipelines/pools";
import { notFound } from "../../lib/errors";
import { requireAdmin } from "../../lib/principal";

/**
 * The tenant context and the pool named `name`, for a change by an owner or admin. Looked up before the admin check:
 * a pool of another tenant is not found, whoever asks.
 */
export async function loadPoolToChange(c: Context<AppEnv>, name: string) {
  const p = c.get("principal");
  const ctx = tenantCtx(c.get("db"), p.tenantId, c.get("controlDb"));
  const pool = await getPool(ctx, name);
  if (!pool) throw notFound("pool");
  requireAdmin(p);
  return { ctx, pool };
}
