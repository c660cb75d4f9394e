import { createRoute } from "@hono/zod-openapi";
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
import { ApiError } from "../../lib/errors";
import { requireScope } from "../../lib/principal";
import { auditSource } from "../../lib/request";
import { bodyLimitFor } from "../../middleware/body-limit";
import { bearerSecurity, errors, jsonResponse, send } from "../shared";
import { IngestAccepted, OpenLineageEvent } from "./schemas";

export const route = createRoute({
  method: "post",
  path: "/lineage",
  tags: ["lineage"],
  summary: "Receive one OpenLineage event (the endpoint OpenLineage HTTP transports post to)",
  description:
    "Needs a token with `lineage:write`. `Content-Encoding: gzip` is accepted. A retried event (same run, type, time and body) is answered `duplicate` and changes nothing. " +
    "Invalid events are rejected with 400 naming each bad field (also an `eventTime` more than 5 minutes ahead, and the reserved job namespace `tutti`); an event about another team's job or run with 403. Nothing is stored for them. " +
    "Another team's datasets named by an event keep their freshness, facets and quality results (see docs/lineage.md).",
  security: bearerSecurity,
  request: { body: { required: true, content: { "application/json": { schema: OpenLineageEvent } } } },
  responses: { 201: jsonResponse(IngestAccepted, "Stored (or recognised as a retry)"), ...errors(400, 401, 403, 413, 415) },
});

/** The body is read by hand, not by the zod validator: it may be gzip-compressed and the OpenLineage checks name fields their own way. */
export async function handle(c: Context<AppEnv>) {
  const p = c.get("principal");
  requireScope(p, "lineage:write");
  requireJsonContentType(c.req.raw);
  const path = new URL(c.req.url).pathname;
  const text = await readBodyText(c.req.raw, bodyLimitFor(path));
  const raw = parseJsonBody(text);
  if (Array.isArray(raw)) {
    throw new ApiError("validation_failed", "(root): expected one event object; post arrays to /api/v1/lineage/batch", [
      { path: "(root)", message: "expected one event object; post arrays to /api/v1/lineage/batch" },
    ]);
  }
  const ctx = tenantCtx(c.get("db"), p.tenantId, c.get("controlDb"));
  const quality: QualityRow[] = [];
  const updates: DatasetUpdate[] = [];
  const [outcome] = await ingestOpenLineageEvents(ctx, tenantBlobs(c.env.BLOBS, ctx), auditSource(c), writerOf(p), [{ raw, body: text }], quality, updates);
  await sendQualitySignals(c.env.NOTIFY, ctx, qualityOutcomes(quality));
  await announceDatasetUpdates(c.env.NOTIFY, p.tenantId, updates);
  if (!outcome.ok) {
    const code =
      outcome.status === 413 ? "payload_too_large" : outcome.status === 400 ? "validation_failed" : outcome.status === 403 ? "forbidden" : "internal";
    throw new ApiError(code, outcome.message, outcome.details);
  }
  return send(c, 201, IngestAccepted, { status: outcome.duplicate ? "duplicate" : "accepted", kind: outcome.kind, run_id: outcome.runId });
}

export function register(app: Router) {
  app.openAPIRegistry.registerPath(route);
  app.post("/lineage", handle);
}
