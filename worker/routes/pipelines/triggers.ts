import { createRoute, z } from "@hono/zod-openapi";
import type { Router } from "../../context";
import { datasetsById } from "../../db/repo/lineage/catalog";
import { datasetIdsOf } from "../../db/repo/pipelines/pipelines";
import { productionVersion } from "../../db/repo/pipelines/environments";
import { webhookSecretInfo } from "../../db/repo/pipelines/webhook-secrets";
import { tenantRuns } from "../../durable/client";
import { unwrap } from "../../durable/result";
import type { DatasetTriggerState, DoResult } from "../../durable/runs/contract";
import { datasetTriggerModes } from "../../pipelines/spec";
import { hasWebhookTrigger, isDatasetsTrigger } from "../../pipelines/triggers";
import { requireScope } from "../../lib/principal";
import { pipelineWebhookPath } from "../webhooks/pipeline";
import { bearerSecurity, errors, isoOrNull, jsonResponse, send, timestamp } from "../shared";
import { loadPipeline } from "./load";
import { NameParam } from "./schemas";

const TriggersOut = z
  .object({
    webhook: z
      .object({
        url: z.string().openapi({ description: "Where to POST signed deliveries" }),
        secret_set: z.boolean().openapi({ description: "False until POST /pipelines/{name}/webhook-secret makes one; deliveries need it" }),
        secret_created_at: timestamp.nullable(),
      })
      .nullable()
      .openapi({ description: "null when the production spec has no webhook trigger" }),
    datasets: z.array(
      z.object({
        index: z.number().int().openapi({ description: "Position in the spec's `triggers`" }),
        mode: z.enum(datasetTriggerModes),
        within_ms: z.number().nullable(),
        datasets: z.array(
          z.object({
            dataset_id: z.string(),
            namespace: z.string(),
            name: z.string(),
            in_catalog: z.boolean(),
            last_write_at: timestamp.nullable().openapi({ description: "The dataset's freshness in the catalog" }),
            updated_at: timestamp
              .nullable()
              .openapi({ description: "A write not yet used by a run of this trigger (null: none since the trigger last fired)" }),
            last_used_at: timestamp.nullable().openapi({ description: "The newest write a run of this trigger was started for" }),
          }),
        ),
      }),
    ),
  })
  .openapi("PipelineTriggers");

export const route = createRoute({
  method: "get",
  path: "/pipelines/{name}/triggers",
  tags: ["pipelines"],
  summary:
    "The production spec's webhook and dataset triggers with their state: the webhook URL, and which datasets have updated since each trigger last fired",
  security: bearerSecurity,
  request: { params: NameParam },
  responses: { 200: jsonResponse(TriggersOut, "The triggers' state"), ...errors(400, 401, 403, 404) },
});

export function register(app: Router) {
  app.openapi(route, async (c) => {
    requireScope(c.get("principal"), "read");
    const { ctx, p, pipeline } = await loadPipeline(c, c.req.valid("param").name);
    const version = await productionVersion(ctx, pipeline);
    const triggers = version?.spec.triggers ?? [];
    const [secret, state] = await Promise.all([
      hasWebhookTrigger(triggers) ? webhookSecretInfo(ctx, pipeline.id) : null,
      triggers.some(isDatasetsTrigger)
        ? tenantRuns(c.env, p.tenantId)
            .datasetTriggerState(p.tenantId, pipeline.id)
            .then((r) => unwrap(r as DoResult<DatasetTriggerState[]>))
        : [],
    ]);
    const ids = await Promise.all(triggers.map((t) => (isDatasetsTrigger(t) ? datasetIdsOf(p.tenantId, [t]) : Promise.resolve([]))));
    const catalog = await datasetsById(ctx, ids.flat());
    return send(c, 200, TriggersOut, {
      webhook: hasWebhookTrigger(triggers)
        ? { url: new URL(pipelineWebhookPath(pipeline.id), c.req.url).toString(), secret_set: secret !== null, secret_created_at: isoOrNull(secret?.createdAt) }
        : null,
      datasets: triggers.flatMap((t, index) => {
        if (!isDatasetsTrigger(t)) return [];
        const marks = new Map((state.find((s) => s.index === index)?.datasets ?? []).map((d) => [d.datasetId, d]));
        return [
          {
            index,
            mode: t.mode,
            within_ms: t.within_ms,
            datasets: t.datasets.map((d, j) => {
              const id = ids[index][j];
              const known = catalog.get(id);
              return {
                dataset_id: id,
                namespace: d.namespace,
                name: d.name,
                in_catalog: known !== undefined,
                last_write_at: isoOrNull(known?.lastWriteAt),
                updated_at: isoOrNull(marks.get(id)?.pendingAt),
                last_used_at: isoOrNull(marks.get(id)?.consumedAt),
              };
            }),
          },
        ];
      }),
    });
  });
}
