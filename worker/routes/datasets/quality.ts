import { createRoute, z } from "@hono/zod-openapi";
import type { Router } from "../../context";
import { listQualityResults, type QualityResult } from "../../db/repo/lineage/quality";
import { qualitySources, qualityStatuses } from "../../db/schema/enums";
import { decodeCursor, page, pageQuery } from "../../lib/cursor";
import { requireScope } from "../../lib/principal";
import { IdParam, bearerSecurity, errors, jsonResponse, send, timestamp } from "../shared";
import { loadDataset } from "./load";

const Cursor = z.object({ at: z.number(), id: z.string() });

export const QualityResultOut = z
  .object({
    id: z.string(),
    dataset_id: z.string(),
    source: z.enum(qualitySources),
    check: z.string(),
    column: z.string().nullable(),
    status: z.enum(qualityStatuses),
    observed_at: timestamp,
    run_id: z.string().nullable(),
    details: z.record(z.string(), z.unknown()),
  })
  .openapi("QualityResult");
const QualityList = z.object({ items: z.array(QualityResultOut), next_cursor: z.string().nullable() }).openapi("QualityResultList");

export const qualityOut = (q: QualityResult) => ({
  id: q.id,
  dataset_id: q.datasetId,
  source: q.source,
  check: q.checkName,
  column: q.columnName,
  status: q.status,
  observed_at: new Date(q.observedAt).toISOString(),
  run_id: q.runId,
  details: q.details,
});

export const route = createRoute({
  method: "get",
  path: "/datasets/{id}/quality",
  tags: ["quality"],
  summary: "Quality results of a dataset over time (dbt tests, OpenLineage assertions, POST /quality), newest first",
  security: bearerSecurity,
  request: { params: IdParam, query: z.object(pageQuery) },
  responses: { 200: jsonResponse(QualityList, "Results"), ...errors(400, 401, 403, 404) },
});

export function register(app: Router) {
  app.openapi(route, async (c) => {
    requireScope(c.get("principal"), "read");
    const { ctx, dataset } = await loadDataset(c, c.req.valid("param").id);
    const q = c.req.valid("query");
    const rows = await listQualityResults(ctx, dataset.id, { before: decodeCursor(q.cursor, Cursor), limit: q.limit });
    const result = page(rows, q.limit, (r) => ({ at: r.observedAt, id: r.id }));
    return send(c, 200, QualityList, { items: result.items.map(qualityOut), next_cursor: result.next_cursor });
  });
}
