import { createRoute, z } from "@hono/zod-openapi";
import type { Router } from "../../context";
import { listRawEvents } from "../../db/repo/lineage/catalog";
import { decodeCursor, page } from "../../lib/cursor";
import { requireScope } from "../../lib/principal";
import { IdParam, bearerSecurity, errors, jsonResponse, send } from "../shared";
import { RawEventList } from "../lineage/catalog-schemas";
import { rawEventsOut } from "../job-runs/events";
import { loadDataset } from "./load";

const Query = z.object({
  limit: z.coerce.number().int().min(1).max(100).default(20),
  cursor: z.string().max(500).optional(),
});
const Cursor = z.object({ at: z.number(), id: z.string() });

export const route = createRoute({
  method: "get",
  path: "/datasets/{id}/events",
  tags: ["catalog"],
  summary: "Raw OpenLineage DatasetEvents received for a dataset, oldest first",
  description: "Events of runs that read or wrote the dataset are listed per run: GET /job-runs/{id}/events.",
  security: bearerSecurity,
  request: { params: IdParam, query: Query },
  responses: { 200: jsonResponse(RawEventList, "Events as received"), ...errors(400, 401, 403, 404) },
});

export function register(app: Router) {
  app.openapi(route, async (c) => {
    requireScope(c.get("principal"), "read");
    const { ctx, dataset } = await loadDataset(c, c.req.valid("param").id);
    const q = c.req.valid("query");
    const rows = await listRawEvents(ctx, { datasetId: dataset.id }, { after: decodeCursor(q.cursor, Cursor), limit: q.limit });
    const result = page(rows, q.limit, (r) => ({ at: r.eventTime, id: r.id }));
    return send(c, 200, RawEventList, { items: await rawEventsOut(c.env.BLOBS, ctx, result.items), next_cursor: result.next_cursor });
  });
}
