import { createRoute, z } from "@hono/zod-openapi";
import type { Router } from "../../context";
import { columnLineageOf } from "../../db/repo/lineage/catalog";
import { requireScope } from "../../lib/principal";
import { IdParam, bearerSecurity, errors, jsonResponse, send } from "../shared";
import { loadDataset } from "./load";

const DatasetRefOut = z.object({ id: z.string(), namespace: z.string(), name: z.string() });
const ColumnLineageOut = z
  .object({
    dataset_id: z.string(),
    edges: z.array(
      z.object({
        from: z.object({ dataset: DatasetRefOut, field: z.string() }),
        to: z.object({ dataset: DatasetRefOut, field: z.string() }),
        transformation: z.unknown().openapi({ description: "transformationType/Description and per-input transformations as sent" }),
      }),
    ),
  })
  .openapi("ColumnLineage");

export const route = createRoute({
  method: "get",
  path: "/datasets/{id}/column-lineage",
  tags: ["lineage"],
  summary: "Column-level lineage into and out of a dataset's fields (from the OpenLineage columnLineage facet)",
  security: bearerSecurity,
  request: { params: IdParam },
  responses: { 200: jsonResponse(ColumnLineageOut, "Field-to-field edges"), ...errors(401, 403, 404) },
});

export function register(app: Router) {
  app.openapi(route, async (c) => {
    requireScope(c.get("principal"), "read");
    const { ctx, dataset } = await loadDataset(c, c.req.valid("param").id);
    const edges = await columnLineageOf(ctx, dataset.id);
    return send(c, 200, ColumnLineageOut, {
      dataset_id: dataset.id,
      edges: edges.map((e) => ({
        from: { dataset: e.fromDataset, field: e.fromField },
        to: { dataset: e.toDataset, field: e.toField },
        transformation: e.transformation,
      })),
    });
  });
}
