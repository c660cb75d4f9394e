import { createRoute } from "@hono/zod-openapi";
import type { Router } from "../../context";
import { facetsOf } from "../../db/repo/lineage/catalog";
import { requireScope } from "../../lib/principal";
import { IdParam, bearerSecurity, errors, jsonResponse, send } from "../shared";
import { freshnessOf, loadDataset } from "./load";
import { DatasetOut, datasetOut } from "./schemas";

export const route = createRoute({
  method: "get",
  path: "/datasets/{id}",
  tags: ["catalog"],
  summary: "A dataset: schema, owner, facets and freshness",
  security: bearerSecurity,
  request: { params: IdParam },
  responses: { 200: jsonResponse(DatasetOut, "The dataset"), ...errors(401, 403, 404) },
});

export function register(app: Router) {
  app.openapi(route, async (c) => {
    requireScope(c.get("principal"), "read");
    const { ctx, dataset, teamName } = await loadDataset(c, c.req.valid("param").id);
    const facets = await facetsOf(ctx, dataset.id);
    return send(c, 200, DatasetOut, datasetOut(dataset, teamName, facets, freshnessOf(dataset, c.get("clock").now())));
  });
}
