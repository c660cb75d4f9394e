import { createRoute, z } from "@hono/zod-openapi";
import type { Router } from "../../context";
import { tenantCtx } from "../../db/client";
import { lineagePath } from "../../db/repo/lineage/graph";
import { requireScope } from "../../lib/principal";
import { bearerSecurity, errors, jsonResponse, send } from "../shared";
import { NodeId, requireNode } from "./node-param";
import { graphEdgeOut, graphNodeOut } from "./out";
import { PathOut } from "./schemas";

const Query = z.object({ from: NodeId, to: NodeId });

export const route = createRoute({
  method: "get",
  path: "/lineage/path",
  tags: ["lineage"],
  summary: "How two nodes are connected: every path between them and one shortest path",
  description: "Looks downstream from `from` to `to` first, then the other way round; `found` is false when neither reaches the other.",
  security: bearerSecurity,
  request: { query: Query },
  responses: { 200: jsonResponse(PathOut, "The paths"), ...errors(400, 401, 403, 404) },
});

export function register(app: Router) {
  app.openapi(route, async (c) => {
    const p = c.get("principal");
    requireScope(p, "read");
    const q = c.req.valid("query");
    const ctx = tenantCtx(c.get("db"), p.tenantId, c.get("controlDb"));
    await Promise.all([requireNode(ctx, q.from), requireNode(ctx, q.to)]);
    const result = await lineagePath(ctx, q.from, q.to, c.get("clock").now());
    return send(c, 200, PathOut, {
      from: q.from,
      to: q.to,
      found: result.direction !== null,
      direction: result.direction,
      path: result.path,
      nodes: result.graph.nodes.map(graphNodeOut),
      edges: result.graph.edges.map(graphEdgeOut),
    });
  });
}
