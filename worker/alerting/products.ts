import type { TenantCtx } from "../db/client";
import { productsOfPipelineMembers, productSlas } from "../db/repo/pipelines/ownership";
import { claimsOfDatasets } from "../db/repo/products/membership";
import { listProducts, ownersOfProducts } from "../db/repo/products/products";

/**
 * The seam between alerting and the data-products catalog (worker/db/repo/products/products.ts). Alerting asks four things
 * about products and nothing else; everything else about products (members, weights, costs) stays in that module.
 * A product only named in a pipeline spec's `products:` and absent from the catalog still counts: it belongs to
 * the team of the pipeline that declares it, and its SLA is that pipeline's `sla.finish_by` (see impact.ts).
 */

export interface CatalogProduct {
  id: string;
  name: string;
  ownerTeamId: string | null;
  /** The product's freshness deadline as people say it ("08:00 Europe/London"), if it has a daily one. */
  sla: string | null;
}

export interface ProductCatalog {
  /** Catalog entries of these products, by id or name. */
  find(ctx: TenantCtx, idsOrNames: string[]): Promise<CatalogProduct[]>;
  /** Products claiming any of these datasets (picked, tagged, by pattern, or written by one of their pipelines). */
  containingDatasets(ctx: TenantCtx, datasetIds: string[]): Promise<CatalogProduct[]>;
  /** Products that list any of these pipelines as a member, with the pipeline that put them there. */
  ofPipelines(ctx: TenantCtx, pipelineNames: string[]): Promise<Array<CatalogProduct & { pipeline: string }>>;
  /** Every product of the catalog (the Owners view). */
  all(ctx: TenantCtx): Promise<CatalogProduct[]>;
}

/** "0 8 * * *" in Europe/London → "08:00 Europe/London"; other schedules are not one time of day, so null. */
export function slaText(cron: string | null, timezone: string | null): string | null {
  const m = cron ? /^(\d{1,2}) (\d{1,2}) \* \* \*$/.exec(cron.trim()) : null;
  if (!m) return null;
  const time = `${m[2].padStart(2, "0")}:${m[1].padStart(2, "0")}`;
  return !timezone || timezone === "UTC" ? time : `${time} ${timezone}`;
}

async function withSla(ctx: TenantCtx, owners: Array<{ productId: string; productName: string; ownerTeamId: string }>): Promise<CatalogProduct[]> {
  const slas = await productSlas(
    ctx,
    owners.map((o) => o.productId),
  );
  return owners.map((o) => {
    const s = slas.get(o.productId);
    return { id: o.productId, name: o.productName, ownerTeamId: o.ownerTeamId, sla: s ? slaText(s.cron, s.timezone) : null };
  });
}

export const productCatalog: ProductCatalog = {
  async find(ctx, idsOrNames) {
    return withSla(ctx, await ownersOfProducts(ctx, idsOrNames));
  },
  async containingDatasets(ctx, datasetIds) {
    const claims = await claimsOfDatasets(ctx, datasetIds);
    const productIds = [...new Set([...claims.values()].flatMap((list) => list.map((c) => c.productId)))];
    return withSla(ctx, await ownersOfProducts(ctx, productIds));
  },
  async ofPipelines(ctx, pipelineNames) {
    const members = await productsOfPipelineMembers(ctx, pipelineNames);
    const found = new Map((await withSla(ctx, await ownersOfProducts(ctx, [...new Set(members.map((m) => m.productId))]))).map((p) => [p.id, p]));
    return members.flatMap((m) => (found.has(m.productId) ? [{ ...found.get(m.productId)!, pipeline: m.pipeline }] : []));
  },
  async all(ctx) {
    return (await listProducts(ctx)).map((r) => ({ id: r.p.id, name: r.p.name, ownerTeamId: r.p.ownerTeamId, sla: slaText(r.p.slaCron, r.p.slaTimezone) }));
  },
};
