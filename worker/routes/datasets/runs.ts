import { createRoute, z } from "@hono/zod-openapi";
import type { Router } from "../../context";
import { listDatasetRuns } from "../../db/repo/lineage/catalog";
import { decodeCursor, page, pageQuery } from "../../lib/cursor";
import { requireScope } from "../../lib/principal";
import { IdParam, bearerSecurity, errors, jsonResponse, send, timestamp } from "../shared";
import { JobRef, JobRunOut, jobRunOut } from "../lineage/catalog-schemas";
import { loadDataset } from "./load";

const Query = z.object({ role: z.enum(["input", "output"]).optional().openapi({ description: "output: runs that wrote the dataset" }), ...pageQuery });
const Cursor = z.object({ at: z.number(), run: z.string() });

const DatasetRunOut = z
  .object({
    role: z.enum(["input", "output"]),
    at: timestamp,
    row_count: z.number().int().nullable(),
    bytes: z.number().int().nullable(),
    file_count: z.number().int().nullable(),
    facets: z
      .record(z.string(), z.unknown())
      .nullable()
      .openapi({ description: "The run's input/output facets for this dataset, or dbt details (bytes billed, query id)" }),
    job: JobRef,
    run: JobRunOut,
  })
  .openapi("DatasetRun");
const DatasetRunList = z.object({ items: z.array(DatasetRunOut), next_cursor: z.string().nullable() }).openapi("DatasetRunList");

export const route = createRoute({
  method: "get",
  path: "/datasets/{id}/runs",
  tags: ["catalog"],
  summary: "Runs that read or wrote a dataset (OpenLineage runs, dbt invocations, Tutti tasks), newest first",
  security: bearerSecurity,
  request: { params: IdParam, query: Query },
  responses: { 200: jsonResponse(DatasetRunList, "Runs"), ...errors(400, 401, 403, 404) },
});

export function register(app: Router) {
  app.openapi(route, async (c) => {
    requireScope(c.get("principal"), "read");
    const { ctx, dataset } = await loadDataset(c, c.req.valid("param").id);
    const q = c.req.valid("query");
    const before = decodeCursor(q.cursor, Cursor);
    const rows = await listDatasetRuns(ctx, dataset.id, { role: q.role, before: before && { at: before.at, runId: before.run }, limit: q.limit });
    const result = page(rows, q.limit, (r) => ({ at: r.io.at, run: r.io.runId }));
    return send(c, 200, DatasetRunList, {
      items: result.items.map((r) => ({
        role: r.io.role,
        at: new Date(r.io.at).toISOString(),
        row_count: r.io.rowCount,
        bytes: r.io.bytes,
        file_count: r.io.fileCount,
        facets: r.io.facets ? JSON.parse(r.io.facets) : null,
        job: r.job,
        run: jobRunOut(r.run),
      })),
      next_cursor: result.next_cursor,
    });
  });
}
