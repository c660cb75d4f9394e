import type { Context } from "hono";
import type { AppEnv } from "../../context";
import { tenantCtx } from "../../db/client";
import { getProduct } from "../../db/repo/products/products";
import { notFound } from "../../lib/errors";

/** The product of the caller's tenant by id or name, or 404 (also for another tenant's). */
export async function loadProduct(c: Context<AppEnv>, idOrName: string) {
  const p = c.get("principal");
  const ctx = tenantCtx(c.get("db"), p.tenantId, c.get("controlDb"));
  const row = await getProduct(ctx, idOrName);
  if (!row) throw notFound("product");
  return { p, ctx, product: row.p, teamName: row.teamName, row };
}
