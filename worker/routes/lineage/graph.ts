import { createRoute, z } from "@hono/zod-openapi";
import type { Router } from "../../context";
import { tenantCtx } from "../../db/client";
import { lineageGraph } from "../../db/repo/lineage/graph";
import { requireScope } from "../../lib/principal";
import { bearerSecurity, errors, jsonResponse, send } from "../shared";
import { notFound } from "../../lib/errors";
import { NodeId } from "./node-param";
import { graphEdgeOut, graphNodeOut } from "./out";
import { GraphOut } from "./schemas";

const Query = z.object({
  node: NodeId,
  direction: z.enum(["upstream", "downstream", "both"]).default("both"),
  depth: z
    .union([z.literal("all"), z.coerce.number().int().min(1).max(100)])
    .default(3)
    .openapi({ description: "Edges to follow (1–100), or `all` for no limit. Dataset → job → dataset is two edges." }),
});

export const route = createRoute({
  method: "get",
  path: "/lineage/graph",
  tags: ["lineage"],
  summary: "Upstream and/or downstream lineage of a dataset or job",
  description:
    "Any member of the tenant sees the whole graph, names and owners included, across teams. At most 2,000 nodes are returned (the nearest); `truncated` says when there were more.",
  security: bearerSecurity,
  request: { query: Query },
  responses: { 200: jsonResponse(GraphOut, "Nodes and edges around the root"), ...errors(400, 401, 403, 404) },
});

export function register(app: Router) {
  app.openapi(route, async (c) => {
    const p = c.get("principal");
    requireScope(p, "read");
    const q = c.req.valid("query");
    const ctx = tenantCtx(c.get("db"), p.tenantId, c.get("controlDb"));
    const depth = q.depth === "all" ? null : q.depth;
    // One statement answers both whether the node exists and the graph around it.
    const graph = await lineageGraph(ctx, q.node, q.direction, depth, c.get("clock").now());
    if (!graph) throw notFound("lineage node");
    return send(c, 200, GraphOut, {
      root: q.node,
      direction: q.direction,
      depth,
      truncated: graph.truncated,
      nodes: graph.nodes.map(graphNodeOut),
      edges: graph.edges.map(graphEdgeOut),
    });
  });
}
