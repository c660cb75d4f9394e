import { createRoute, z } from "@hono/zod-openapi";
import type { Router } from "../../context";
import { tenantCtx } from "../../db/client";
import { productImpactOf } from "../../db/repo/products/lineage";
import type { ImpactEntry } from "../../db/repo/lineage/graph";
import { requireScope } from "../../lib/principal";
import { notFound } from "../../lib/errors";
import { NodeId } from "../lineage/node-param";
import { teamRef } from "../lineage/out";
import { ImpactOut } from "../lineage/schemas";
import { bearerSecurity, errors, jsonResponse, send } from "../shared";

const ProductImpactOut = ImpactOut.extend({
  products: z.array(
    z.object({
      id: z.string(),
      name: z.string(),
      owner_team: z.object({ id: z.string(), name: z.string() }).nullable(),
      sla: z.string().nullable(),
      dataset_ids: z.array(z.string()).openapi({ description: "The affected datasets that belong to the product" }),
    }),
  ),
}).openapi("ProductImpact");

export const route = createRoute({
  method: "get",
  path: "/lineage/product-impact",
  tags: ["lineage", "products"],
  summary: "Impact of a dataset or job including the data products affected and their owner teams",
  security: bearerSecurity,
  request: { query: z.object({ node: NodeId }) },
  responses: { 200: jsonResponse(ProductImpactOut, "Downstream datasets, jobs, teams and products"), ...errors(400, 401, 403, 404) },
});

const entryOut = (e: ImpactEntry) => ({ id: e.id, namespace: e.namespace, name: e.name, kind: e.kind, owner_team: teamRef(e.ownerTeamId, e.ownerTeamName) });

export function register(app: Router) {
  app.openapi(route, async (c) => {
    const p = c.get("principal");
    requireScope(p, "read");
    const { node } = c.req.valid("query");
    const ctx = tenantCtx(c.get("db"), p.tenantId, c.get("controlDb"));
    const impact = await productImpactOf(ctx, node);
    if (!impact) throw notFound("lineage node");
    return send(c, 200, ProductImpactOut, {
      node,
      datasets: impact.datasets.map(entryOut),
      jobs: impact.jobs.map(entryOut),
      teams: impact.teams,
      products: impact.products.map((x) => ({
        id: x.id,
        name: x.name,
        owner_team: teamRef(x.ownerTeamId, x.ownerTeamName),
        sla: x.sla,
        dataset_ids: x.datasetIds,
      })),
    });
  });
}
