import { createRoute } from "@hono/zod-openapi";
import type { Router } from "../../context";
import { requireScope } from "../../lib/principal";
import { IdParam, bearerSecurity, errors, jsonResponse, send } from "../shared";
import { datasetDetail } from "./detail";
import { loadDataset } from "./load";
import { DatasetOut } from "./schemas";

export const route = createRoute({
  method: "get",
  path: "/datasets/{id}",
  tags: ["catalog"],
  summary: "A dataset: owner, health (freshness, latest checks, last write), the products that claim it, schema and facets",
  security: bearerSecurity,
  request: { params: IdParam },
  responses: { 200: jsonResponse(DatasetOut, "The dataset"), ...errors(401, 403, 404) },
});

export function register(app: Router) {
  app.openapi(route, async (c) => {
    requireScope(c.get("principal"), "read");
    const { ctx, row } = await loadDataset(c, c.req.valid("param").id);
    return send(c, 200, DatasetOut, await datasetDetail(ctx, row, c.get("clock").now()));
  });
}
