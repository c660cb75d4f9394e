import { Hono } from "hono";
import { verify } from "../../alerting/standard-webhooks";
import type { AppEnv } from "../../context";
import { getPipelineById } from "../../db/repo/pipelines/pipelines";
import { productionVersion } from "../../db/repo/pipelines/environments";
import { findWebhookSecret, openWebhookSecret } from "../../db/repo/pipelines/webhook-secrets";
import { tenantRuns } from "../../durable/client";
import { unwrap } from "../../durable/result";
import { loadKeyRing } from "../../lib/envelope";
import { publicIdContext } from "../../lib/public-ids";
import { ApiError, conflict } from "../../lib/errors";
import { enforceIngestLimit } from "../../middleware/tenant-rate-limit";
import { webhookParamErrors } from "../../pipelines/params";
import { hasWebhookTrigger } from "../../pipelines/triggers";

/** What newId("pipeline") makes: anything else is answered without a lookup. */
const pipelineIdPattern = /^pl_[0-9a-z]{20}$/;
/** Standard Webhooks' `webhook-id`: the sender's delivery id, the same on every retry. */
const webhookIdPattern = /^[\x21-\x7e]{1,200}$/;

const notFound = () => new ApiError("not_found", "no pipeline with a webhook trigger has this id");

/** The URL a pipeline's webhook trigger receives deliveries at (shown by GET /pipelines/{name}/triggers). */
export const pipelineWebhookPath = (pipelineId: string) => `/webhooks/pipelines/${pipelineId}`;

/**
 * `POST /webhooks/pipelines/<pipelineId>`: a pipeline's webhook trigger (`triggers: [{webhook: {}}]`). Signed per
 * Standard Webhooks with the pipeline's secret (`webhook-id`, `webhook-timestamp` within 5 minutes,
 * `webhook-signature`); a bad or missing proof is 401 and nothing happens. The JSON body's fields become the run's
 * params, checked against the params the spec declares (400 naming the field). The run is keyed by the
 * `webhook-id`, so a replay, a retry or a copy arriving at the same moment answers with the same run.
 */
export const pipelineWebhookRoutes = new Hono<AppEnv>().post("/pipelines/:pipelineId", async (c) => {
  const pipelineId = c.req.param("pipelineId");
  if (!pipelineIdPattern.test(pipelineId)) throw notFound();
  // The URL names no tenant: the control database's directory does, and the secret is read on that tenant's shard.
  const ctx = await publicIdContext(c, "pipeline_webhook", pipelineId);
  const sealed = ctx ? await findWebhookSecret(ctx, pipelineId) : null;
  if (!ctx || !sealed) throw notFound();
  const secret = await openWebhookSecret(await loadKeyRing(c.env.TUTTI_MASTER_KEY), sealed);
  const body = await c.req.text();
  const headers = {
    id: c.req.header("webhook-id") ?? null,
    timestamp: c.req.header("webhook-timestamp") ?? null,
    signature: c.req.header("webhook-signature") ?? null,
  };
  const checked = await verify(secret, headers, body, Math.floor(c.get("clock").now() / 1000));
  if (!checked.ok) throw new ApiError("unauthorized", unauthorizedMessage[checked.reason]);
  const webhookId = headers.id!;
  if (!webhookIdPattern.test(webhookId))
    throw new ApiError("validation_failed", "webhook-id: 1 to 200 visible ASCII characters", [
      { path: "webhook-id", message: "1 to 200 visible ASCII characters" },
    ]);

  // Verified: from here the tenant is known, and the delivery counts against its ingest budget.
  const tenantId = ctx.tenantId;
  await enforceIngestLimit(c, tenantId);
  const pipeline = await getPipelineById(ctx, pipelineId);
  const version = pipeline && !pipeline.archivedAt ? await productionVersion(ctx, pipeline) : null;
  if (!pipeline || !version || !hasWebhookTrigger(version.spec.triggers)) throw notFound();
  if (pipeline.paused) throw conflict("the pipeline is paused; deliveries start runs again once it is resumed");

  const params = parseParams(body);
  const errors = webhookParamErrors(version.spec.params, params);
  if (errors.length) throw new ApiError("validation_failed", `${errors[0].path}: ${errors[0].message}`, errors);
  const run = unwrap(
    await tenantRuns(c.env, tenantId).createRun({
      tenantId,
      pipelineId,
      trigger: { kind: "webhook", by: null, ref: webhookId },
      params,
      dedupeKey: `webhook:${pipelineId}:${webhookId}`,
    }),
  );
  return c.json({ run_id: run.id, status: run.status, deduplicated: run.deduplicated }, 202);
});

const unauthorizedMessage = {
  missing_headers: "webhook-id, webhook-timestamp and webhook-signature are required (Standard Webhooks)",
  bad_timestamp: "webhook-timestamp must be seconds since the epoch",
  stale: "webhook-timestamp is more than 5 minutes from Tutti's clock",
  bad_signature: "webhook signature does not match",
} as const;

/** An empty body sets no params; otherwise it must be a JSON object, its fields the params. */
function parseParams(body: string): Record<string, unknown> {
  if (!body.trim()) return {};
  let parsed: unknown;
  try {
    parsed = JSON.parse(body);
  } catch {
    throw new ApiError("validation_failed", "body: malformed JSON", [{ path: "body", message: "malformed JSON" }]);
  }
  if (typeof parsed !== "object" || parsed === null || Array.isArray(parsed)) {
    throw new ApiError("validation_failed", "body: must be a JSON object of params", [{ path: "body", message: "must be a JSON object of params" }]);
  }
  return parsed as Record<string, unknown>;
}
