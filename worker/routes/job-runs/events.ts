import { createRoute, z } from "@hono/zod-openapi";
import type { Router } from "../../context";
import { readRawText } from "../../blobs/raw-bodies";
import { tenantBlobs } from "../../blobs/store";
import type { TenantCtx } from "../../db/client";
import { listRawEvents, type RawEvent } from "../../db/repo/lineage/catalog";
import { decodeCursor, page } from "../../lib/cursor";
import { requireScope } from "../../lib/principal";
import { IdParam, bearerSecurity, errors, jsonResponse, send } from "../shared";
import { RawEventList } from "../lineage/catalog-schemas";
import { loadJobRun } from "./load";

const Query = z.object({
  limit: z.coerce.number().int().min(1).max(100).default(20),
  cursor: z.string().max(500).optional(),
});
const Cursor = z.object({ at: z.number(), id: z.string() });

/** A page of raw events with their bodies, read from R2 (at most a page's worth at once). */
export async function rawEventsOut(bucket: R2Bucket, ctx: TenantCtx, events: RawEvent[]) {
  const blobs = tenantBlobs(bucket, ctx);
  return Promise.all(
    events.map(async (e) => {
      const text = await readRawText(blobs, e.body);
      return {
        id: e.id,
        kind: e.kind as "run" | "job" | "dataset",
        event_type: e.eventType,
        event_time: new Date(e.eventTime).toISOString(),
        received_at: new Date(e.receivedAt).toISOString(),
        producer: e.producer,
        size_bytes: e.sizeBytes,
        event: text === null ? null : JSON.parse(text),
      };
    }),
  );
}

export const route = createRoute({
  method: "get",
  path: "/job-runs/{id}/events",
  tags: ["lineage"],
  summary: "The raw OpenLineage events of a run, oldest first, as they were received",
  security: bearerSecurity,
  request: { params: IdParam, query: Query },
  responses: { 200: jsonResponse(RawEventList, "Events"), ...errors(400, 401, 403, 404) },
});

export function register(app: Router) {
  app.openapi(route, async (c) => {
    requireScope(c.get("principal"), "read");
    const { ctx, run } = await loadJobRun(c, c.req.valid("param").id);
    const q = c.req.valid("query");
    const rows = await listRawEvents(ctx, { runId: run.id }, { after: decodeCursor(q.cursor, Cursor), limit: q.limit });
    const result = page(rows, q.limit, (r) => ({ at: r.eventTime, id: r.id }));
    return send(c, 200, RawEventList, { items: await rawEventsOut(c.env.BLOBS, ctx, result.items), next_cursor: result.next_cursor });
  });
}
