import type { TenantCtx } from "../db/client";

/**
 * THE SEAM TO DATA PRODUCTS (issue 7). Alerting asks two questions about products and nothing else:
 *  - `find`: the catalog entries of products known by id or name (names come from pipeline specs' `products:`,
 *    ids from budget signals), and
 *  - `containingDatasets`: the products whose member datasets include any of the given datasets (lineage impact).
 * Until the products catalog exists both answer "unknown", and alerting falls back to what pipeline specs declare:
 * a product named in `products:` is owned by the team of the pipeline that declares it, and its SLA is that
 * pipeline's `sla.finish_by`. The products issue replaces these two bodies with queries on its tables; callers,
 * routing and tests stay as they are.
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

export const productCatalog: ProductCatalog = {
  async find() {
    return [];
  },
  async containingDatasets() {
    return [];
  },
};
