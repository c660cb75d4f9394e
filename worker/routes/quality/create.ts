import { createRoute, z } from "@hono/zod-openapi";
import { sendQualitySignals } from "../../alerting/quality-signals";
import type { Router } from "../../context";
import { tenantCtx } from "../../db/client";
import { qualityStatuses } from "../../db/schema/enums";
import { ingestQualityResults } from "../../ingest/quality";
import { writerOf } from "../../ingest/writer";
import { invalid } from "../../lib/errors";
import { requireScope } from "../../lib/principal";
import { auditSource } from "../../lib/request";
import { parseTimestamp } from "../../lineage/timestamp";
import { bearerSecurity, errors, jsonBody, jsonResponse, send } from "../shared";

const Result = z
  .strictObject({
    dataset_id: z.string().max(64).optional().openapi({ description: "An existing dataset (ds_…); or give dataset" }),
    dataset: z
      .strictObject({ namespace: z.string().min(1).max(4096), name: z.string().min(1).max(4096) })
      .optional()
      .openapi({ description: "Created when new" }),
    check: z.string().trim().min(1).max(200).openapi({ example: "row_count_between" }),
    column: z.string().max(500).nullable().optional(),
    status: z.enum(qualityStatuses),
    observed_at: z.string().max(64).optional().openapi({ description: "ISO-8601; defaults to now" }),
    run_id: z
      .string()
      .max(200)
      .optional()
      .openapi({ description: "Your tool's run or result id: reporting the same check for the same run again replaces the result" }),
    details: z.record(z.string(), z.unknown()).optional(),
  })
  .refine((r) => (r.dataset_id === undefined) !== (r.dataset === undefined), { message: "give exactly one of dataset_id and dataset", path: ["dataset_id"] });

const Body = z.strictObject({ results: z.array(Result).min(1).max(1000) }).openapi("QualityIngestRequest");
const Out = z.object({ accepted: z.number().int(), dataset_ids: z.array(z.string()) }).openapi("QualityIngestResult");

export const route = createRoute({
  method: "post",
  path: "/quality",
  tags: ["quality"],
  summary: "Report quality check results from any tool (dbt tests and OpenLineage assertions arrive on their own)",
  description:
    "Needs `metadata:write`. Results are the owner's facts (they open and resolve its alerts): a result about a dataset another team owns is refused with 403 naming it, and nothing is stored.",
  security: bearerSecurity,
  request: jsonBody(Body),
  responses: { 201: jsonResponse(Out, "Stored"), ...errors(400, 401, 403, 413, 415) },
});

export function register(app: Router) {
  app.openapi(route, async (c) => {
    const p = c.get("principal");
    requireScope(p, "metadata:write");
    const now = c.get("clock").now();
    const { results } = c.req.valid("json");
    const inputs = results.map((r, i) => {
      const observedAt = r.observed_at === undefined ? now : parseTimestamp(r.observed_at);
      if (observedAt === null) throw invalid(`results[${i}].observed_at`, "not an ISO-8601 date-time");
      return {
        dataset: r.dataset_id !== undefined ? { id: r.dataset_id } : r.dataset!,
        check: r.check,
        column: r.column ?? null,
        status: r.status,
        observedAt,
        runRef: r.run_id ?? null,
        details: r.details ?? {},
      };
    });
    const ctx = tenantCtx(c.get("db"), p.tenantId, c.get("controlDb"));
    const datasetIds = await ingestQualityResults(ctx, auditSource(c), writerOf(p), inputs);
    // Failing checks become alerts for the dataset's owner; passing ones resolve them.
    await sendQualitySignals(
      c.env.NOTIFY,
      ctx,
      inputs.map((r, i) => ({
        datasetId: datasetIds[i],
        check: r.check,
        column: r.column,
        status: r.status,
        message: typeof r.details.message === "string" ? r.details.message : null,
        at: r.observedAt,
      })),
    );
    return send(c, 201, Out, { accepted: inputs.length, dataset_ids: datasetIds });
  });
}
