import { sql } from "drizzle-orm";
import { edgesAmong, impactOf, nodeDetails, type GraphEdge, type GraphNode, type Impact } from "../lineage/graph";
import type { TenantCtx } from "../../client";
import { rawRows } from "../../statements";
import { catalogProducts, type CatalogProduct } from "./products";
import { claimsOfDatasets } from "./membership";

/** Largest product subgraph returned; the lineage explorer goes further. */
export const MAX_PRODUCT_GRAPH_NODES = 300;

/**
 * The lineage around a product: its member datasets, what feeds them up to `upstreamDepth` edges away, and what
 * they feed directly (dashboards, exposures, downstream models). Depth is the distance from the nearest member.
 */
export async function productLineage(
  ctx: TenantCtx,
  memberIds: string[],
  upstreamDepth: number,
  now: number,
): Promise<{ nodes: GraphNode[]; edges: GraphEdge[]; truncated: boolean }> {
  if (!memberIds.length) return { nodes: [], edges: [], truncated: false };
  const rows = await rawRows(
    ctx,
    sql`WITH RECURSIVE up(node, depth) AS (
       SELECT value, 0 FROM json_each(${JSON.stringify(memberIds)})
       UNION
       SELECT e.from_node, u.depth + 1 FROM up u JOIN lineage_edges e ON e.tenant_id = ${ctx.tenantId} AND e.to_node = u.node WHERE u.depth < ${upstreamDepth}
     ),
     down(node, depth) AS (
       SELECT e.to_node, 1 FROM json_each(${JSON.stringify(memberIds)}) s CROSS JOIN lineage_edges e ON e.tenant_id = ${ctx.tenantId} AND e.from_node = s.value
     )
     SELECT node, min(depth) AS d FROM (SELECT node, depth FROM up UNION ALL SELECT node, depth FROM down) GROUP BY node ORDER BY d, node`,
  );
  const truncated = rows.length > MAX_PRODUCT_GRAPH_NODES;
  const kept = rows.slice(0, MAX_PRODUCT_GRAPH_NODES);
  const ids = kept.map((r) => r[0] as string);
  const depth = new Map(kept.map((r) => [r[0] as string, r[1] as number]));
  const [edges, details] = await Promise.all([edgesAmong(ctx, ids), nodeDetails(ctx, ids, now)]);
  const nodes = ids.flatMap((id) => {
    const info = details.get(id);
    return info ? [{ ...info, depth: depth.get(id) ?? 0 }] : [];
  });
  return { nodes, edges, truncated };
}

export interface ProductImpact extends Impact {
  /** Products claiming the node itself or anything downstream of it, each with the datasets that tie it in. */
  products: Array<CatalogProduct & { ownerTeamName: string | null; datasetIds: string[] }>;
}

/**
 * impactOf (lineage) plus the data products affected: who to tell when a dataset or job breaks. Products are
 * found through their member datasets, so a product several hops downstream is included. Null when `node` is no
 * dataset or job of the tenant.
 */
export async function productImpactOf(ctx: TenantCtx, node: string): Promise<ProductImpact | null> {
  const impact = await impactOf(ctx, node);
  if (!impact) return null;
  const datasetIds = [...impact.datasets.map((d) => d.id), ...(node.startsWith("ds_") ? [node] : [])];
  const claims = await claimsOfDatasets(ctx, datasetIds);
  const byProduct = new Map<string, string[]>();
  for (const [datasetId, list] of claims) for (const c of list) byProduct.set(c.productId, [...(byProduct.get(c.productId) ?? []), datasetId]);
  const products = await catalogProducts(ctx, [...byProduct.keys()]);
  const teamNames = new Map(
    (
      await rawRows(
        ctx,
        sql`SELECT id, name FROM teams WHERE tenant_id = ${ctx.tenantId} AND id IN (SELECT value FROM json_each(${JSON.stringify(products.map((p) => p.ownerTeamId).filter(Boolean))}))`,
      )
    ).map((r) => [r[0] as string, r[1] as string]),
  );
  return {
    ...impact,
    products: products.map((p) => ({
      ...p,
      ownerTeamName: p.ownerTeamId ? (teamNames.get(p.ownerTeamId) ?? null) : null,
      datasetIds: byProduct.get(p.id)!.sort(),
    })),
  };
}
