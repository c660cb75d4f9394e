import { createRoute, z } from "@hono/zod-openapi";
import type { Router } from "../../context";
import { productLineage } from "../../db/repo/products/lineage";
import { datasetsOfProducts } from "../../db/repo/products/membership";
import { requireScope } from "../../lib/principal";
import { graphEdgeOut, graphNodeOut } from "../lineage/out";
import { GraphEdgeOut, GraphNodeOut } from "../lineage/schemas";
import { bearerSecurity, errors, jsonResponse, send } from "../shared";
import { ProductParam } from "./get";
import { loadProduct } from "./load";

const ProductLineageOut = z
  .object({
    product_id: z.string(),
    members: z
      .array(z.object({ id: z.string(), via: z.enum(["dataset", "tag", "pattern", "pipeline"]) }))
      .openapi({ description: "Member datasets (depth 0 in the graph)" }),
    truncated: z.boolean(),
    nodes: z.array(GraphNodeOut),
    edges: z.array(GraphEdgeOut),
  })
  .openapi("ProductLineage");

export const route = createRoute({
  method: "get",
  path: "/products/{id}/lineage",
  tags: ["products"],
  summary: "The lineage subgraph of a product: its datasets, what feeds them and what they feed directly",
  security: bearerSecurity,
  request: { params: ProductParam, query: z.object({ upstream_depth: z.coerce.number().int().min(0).max(10).default(2) }) },
  responses: { 200: jsonResponse(ProductLineageOut, "Subgraph"), ...errors(400, 401, 403, 404) },
});

export function register(app: Router) {
  app.openapi(route, async (c) => {
    requireScope(c.get("principal"), "read");
    const { ctx, product } = await loadProduct(c, c.req.valid("param").id);
    const members = await datasetsOfProducts(ctx, [product.id]);
    const graph = await productLineage(
      ctx,
      members.map((m) => m.datasetId),
      c.req.valid("query").upstream_depth,
      c.get("clock").now(),
    );
    return send(c, 200, ProductLineageOut, {
      product_id: product.id,
      members: members.map((m) => ({ id: m.datasetId, via: m.via })),
      truncated: graph.truncated,
      nodes: graph.nodes.map(graphNodeOut),
      edges: graph.edges.map(graphEdgeOut),
    });
  });
}
