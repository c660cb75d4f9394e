import type { TenantCtx } from "../db/client";
import { catalogProducts, productsContainingDatasets } from "../db/repo/products";

/**
 * THE SEAM TO DATA PRODUCTS (issue 7). Alerting asks two questions about products and nothing else:
 *  - `find`: the catalog entries of products known by id or name (names come from pipeline specs' `products:`,
 *    ids from budget signals), and
 *  - `containingDatasets`: the products whose member datasets include any of the given datasets (lineage impact).
 * A product named in `products:` that the catalog does not know is treated as alerting always did: owned by the
 * team of the pipeline that declares it, with that pipeline's `sla.finish_by` as its SLA.
 */

export interface CatalogProduct {
  id: string;
  name: string;
  ownerTeamId: string | null;
  /** The product's freshness deadline as people say it ("08:00 Europe/London"), if it has one. */
  sla: string | null;
}

export interface ProductCatalog {
  find(ctx: TenantCtx, idsOrNames: string[]): Promise<CatalogProduct[]>;
  containingDatasets(ctx: TenantCtx, datasetIds: string[]): Promise<Array<CatalogProduct & { datasetIds: string[] }>>;
}

/** Answered by the products catalog (worker/db/repo/products.ts): membership rules, dataset claims and owners. */
export const productCatalog: ProductCatalog = {
  find: (ctx, idsOrNames) => catalogProducts(ctx, idsOrNames),
  containingDatasets: (ctx, datasetIds) => productsContainingDatasets(ctx, datasetIds),
};
