import { createRoute, z } from "@hono/zod-openapi";
import { qualityOutcomes, sendQualitySignals } from "../../alerting/quality-signals";
import type { Context } from "hono";
import type { AppEnv, Router } from "../../context";
import { tenantBlobs } from "../../blobs/store";
import { tenantCtx } from "../../db/client";
import type { QualityRow } from "../../lineage/plan";
import type { DatasetUpdate } from "../../engine/dataset-triggers";
import { announceDatasetUpdates } from "../../lineage/dataset-updates";
import { parseJsonBody, readBodyText, requireJsonContentType } from "../../ingest/body";
import { ingestOpenLineageEvents } from "../../ingest/openlineage";
import { writerOf } from "../../ingest/writer";
import { invalid } from "../../lib/errors";
import { requireScope } from "../../lib/principal";
import { auditSource } from "../../lib/request";
import { bodyLimitFor } from "../../middleware/body-limit";
import { bearerSecurity, errors, jsonResponse, send } from "../shared";
import { BatchResult, OpenLineageEvent } from "./schemas";

/** Events per batch request; the OpenLineage clients' default batch is 100. */
export const MAX_BATCH_EVENTS = 5000;

export const route = createRoute({
  method: "post",
  path: "/lineage/batch",
  tags: ["lineage"],
  summary: "Receive an array of OpenLineage events, answering per event",
  description:
    "Each event is validated and stored on its own: valid events are stored even when others in the array are invalid. " +
    "`failed_events[].index` points into the array; `retriable` says whether sending that event again can succeed. " +
    "Events are refused for the same reasons as by POST /lineage (an invalid field, an `eventTime` from the future, the reserved namespace, another team's job).",
  security: bearerSecurity,
  request: { body: { required: true, content: { "application/json": { schema: z.array(OpenLineageEvent) } } } },
  responses: { 200: jsonResponse(BatchResult, "Per-event outcome"), ...errors(400, 401, 403, 413, 415) },
});

export async function handle(c: Context<AppEnv>) {
  const p = c.get("principal");
  requireScope(p, "lineage:write");
  requireJsonContentType(c.req.raw);
  const text = await readBodyText(c.req.raw, bodyLimitFor(new URL(c.req.url).pathname));
  const raw = parseJsonBody(text);
  if (!Array.isArray(raw)) throw invalid("(root)", "expected an array of events; post a single event to /api/v1/lineage");
  if (raw.length > MAX_BATCH_EVENTS) throw invalid("(root)", `at most ${MAX_BATCH_EVENTS} events per batch`);
  const ctx = tenantCtx(c.get("db"), p.tenantId, c.get("controlDb"));
  const quality: QualityRow[] = [];
  const updates: DatasetUpdate[] = [];
  const outcomes = await ingestOpenLineageEvents(
    ctx,
    tenantBlobs(c.env.BLOBS, ctx),
    auditSource(c),
    writerOf(p),
    raw.map((event) => ({ raw: event, body: JSON.stringify(event) })),
    quality,
    updates,
  );
  await sendQualitySignals(c.env.NOTIFY, ctx, qualityOutcomes(quality));
  await announceDatasetUpdates(c.env.NOTIFY, p.tenantId, updates);
  const failed = outcomes.flatMap((o, index) => (o.ok ? [] : [{ index, reason: o.message, retriable: o.retriable, details: o.details }]));
  const retriable = failed.filter((f) => f.retriable).length;
  const successful = outcomes.length - failed.length;
  return send(c, 200, BatchResult, {
    status: failed.length === 0 ? "success" : successful > 0 ? "partial_success" : "failure",
    summary: { received: outcomes.length, successful, failed: failed.length, retriable, non_retriable: failed.length - retriable },
    failed_events: failed,
  });
}

export function register(app: Router) {
  app.openAPIRegistry.registerPath(route);
  app.post("/lineage/batch", handle);
}
