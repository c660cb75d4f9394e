import { sql } from "drizzle-orm";
import type { WeightedProduct } from "../../../costs/attribution";
import type { TenantCtx } from "../../client";
import { rawRows } from "../../statements";
import { claimsOfDatasetsSql, datasetsOfProductsSql, pipelinesOfProductsSql } from "./membership-sql";
import { catalogProducts, type CatalogProduct } from "./products";

/**
 * What products' member rules match. Membership is resolved by SQL (./membership-sql.ts) each time it is read,
 * so a dataset tagged or pushed after the product was defined belongs to it at once.
 */

/** Products claiming each dataset, with membership weights (several rules for one product add up). */
export async function claimsOfDatasets(ctx: TenantCtx, datasetIds: string[]): Promise<Map<string, WeightedProduct[]>> {
  const out = new Map<string, WeightedProduct[]>();
  if (!datasetIds.length) return out;
  const best = new Map<string, Map<string, number>>();
  for (const [productId, datasetId, weight] of await rawRows(ctx, claimsOfDatasetsSql(ctx.tenantId, JSON.stringify([...new Set(datasetIds)])))) {
    const byProduct = best.get(datasetId as string) ?? new Map<string, number>();
    // A dataset matched by two rules of one product (picked and tagged) counts once, at the larger weight.
    byProduct.set(productId as string, Math.max(byProduct.get(productId as string) ?? 0, weight as number));
    best.set(datasetId as string, byProduct);
  }
  for (const [datasetId, byProduct] of best)
    out.set(
      datasetId,
      [...byProduct].map(([productId, weight]) => ({ productId, weight })),
    );
  return out;
}

export interface ProductPipeline {
  productId: string;
  pipelineId: string;
  pipelineName: string;
  weight: number;
}

export async function pipelinesOfProducts(ctx: TenantCtx, productIds: string[]): Promise<ProductPipeline[]> {
  if (!productIds.length) return [];
  const rows = await rawRows(ctx, pipelinesOfProductsSql(ctx.tenantId, JSON.stringify(productIds)));
  return rows.map((r) => ({ productId: r[0] as string, pipelineId: r[1] as string, pipelineName: r[2] as string, weight: r[3] as number }));
}

export interface ProductDataset {
  productId: string;
  datasetId: string;
  via: "dataset" | "tag" | "pattern" | "pipeline";
}

/** Member datasets of products (each pair once, by the first rule that matched). */
export async function datasetsOfProducts(ctx: TenantCtx, productIds: string[]): Promise<ProductDataset[]> {
  if (!productIds.length) return [];
  const rows = await rawRows(ctx, datasetsOfProductsSql(ctx.tenantId, JSON.stringify(productIds)));
  const seen = new Set<string>();
  const out: ProductDataset[] = [];
  for (const [productId, datasetId, via] of rows) {
    const key = `${productId}\u0000${datasetId}`;
    if (seen.has(key)) continue;
    seen.add(key);
    out.push({ productId: productId as string, datasetId: datasetId as string, via: via as ProductDataset["via"] });
  }
  return out;
}

export interface PipelineProduct {
  id: string;
  name: string;
  title: string;
  ownerTeamId: string;
  /** declared: the pipeline's spec or a pipeline member; output: the product claims a dataset the pipeline writes; downstream: further down the lineage. */
  relation: "declared" | "output" | "downstream";
}

/**
 * The data products a pipeline feeds: those it declares (spec `products:` or a pipeline member), those claiming a
 * dataset it writes, and those claiming anything downstream of its tasks in the lineage graph. For alert routing:
 * a failure notifies the owners of every product here.
 */
export async function productsForPipeline(ctx: TenantCtx, pipelineId: string): Promise<PipelineProduct[]> {
  const [pl] = await rawRows(ctx, sql`SELECT name FROM pipelines WHERE tenant_id = ${ctx.tenantId} AND id = ${pipelineId}`);
  if (!pl) return [];
  const name = pl[0] as string;
  const declared = await rawRows(
    ctx,
    sql`SELECT p.id FROM pipelines pl
       JOIN pipeline_versions v ON v.tenant_id = pl.tenant_id AND v.id = pl.current_version_id, json_each(v.spec, '$.products') jp
       JOIN products p ON p.tenant_id = ${ctx.tenantId} AND p.name = jp.value
     WHERE pl.tenant_id = ${ctx.tenantId} AND pl.id = ${pipelineId}
     UNION
     SELECT m.product_id FROM product_members m WHERE m.tenant_id = ${ctx.tenantId} AND m.kind = 'pipeline' AND m.ref = ${name}`,
  );
  // Everything downstream of the pipeline's task jobs; depth 1 from a job is what it wrote.
  const walked = await rawRows(
    ctx,
    sql`WITH RECURSIVE walk(node, depth) AS (
       SELECT j.id, 0 FROM jobs j WHERE j.tenant_id = ${ctx.tenantId} AND j.namespace = 'tutti' AND j.name >= ${name} || '.' AND j.name < ${name} || '/'
       UNION
       SELECT e.to_node, min(w.depth + 1, 2) FROM walk w JOIN lineage_edges e ON e.tenant_id = ${ctx.tenantId} AND e.from_node = w.node
     )
     SELECT node, min(depth) FROM walk WHERE depth > 0 GROUP BY node`,
  );
  const relation = new Map<string, PipelineProduct["relation"]>();
  for (const [id] of declared) relation.set(id as string, "declared");
  const depthOf = new Map(walked.map((r) => [r[0] as string, r[1] as number]));
  const claims = await claimsOfDatasets(
    ctx,
    [...depthOf.keys()].filter((n) => !n.startsWith("job_")),
  );
  for (const [datasetId, list] of claims) {
    for (const c of list) {
      const rel = depthOf.get(datasetId) === 1 ? "output" : "downstream";
      const had = relation.get(c.productId);
      if (!had || (had === "downstream" && rel === "output")) relation.set(c.productId, rel);
    }
  }
  if (!relation.size) return [];
  const rows = await rawRows(
    ctx,
    sql`SELECT id, name, title, owner_team_id FROM products WHERE tenant_id = ${ctx.tenantId} AND id IN (SELECT value FROM json_each(${JSON.stringify([...relation.keys()])})) ORDER BY name`,
  );
  return rows.map((r) => ({
    id: r[0] as string,
    name: r[1] as string,
    title: r[2] as string,
    ownerTeamId: r[3] as string,
    relation: relation.get(r[0] as string)!,
  }));
}

/** Products claiming any of the datasets, each with the datasets it claims (lineage impact → product owners). */
export async function productsContainingDatasets(ctx: TenantCtx, datasetIds: string[]): Promise<Array<CatalogProduct & { datasetIds: string[] }>> {
  const claims = await claimsOfDatasets(ctx, datasetIds);
  const byProduct = new Map<string, string[]>();
  for (const [datasetId, list] of claims) for (const c of list) byProduct.set(c.productId, [...(byProduct.get(c.productId) ?? []), datasetId]);
  const products = await catalogProducts(ctx, [...byProduct.keys()]);
  return products.map((p) => ({ ...p, datasetIds: byProduct.get(p.id)!.sort() }));
}
