import type { TenantCtx } from "../db/client";
import { auditInsertIf, type AuditSource } from "../db/repo/platform/audit";
import { runBatch, stmt } from "../db/statements";
import { existingDatasetIds } from "../db/repo/lineage/catalog";
import { lineagePlanStatements } from "../db/repo/lineage/write";
import { othersDatasetsCheck } from "../db/repo/pipelines/ownership";
import type { QualityStatus } from "../db/schema/enums";
import { ApiError } from "../lib/errors";
import { sha256Hex } from "../lib/hash";
import { IdCache } from "../lineage/ids";
import { LineagePlan } from "../lineage/plan";
import type { IngestWriter } from "./writer";

/** One result from a tool that is not dbt or an OpenLineage producer (Great Expectations, Soda, custom checks). */
export interface QualityInput {
  dataset: { id: string } | { namespace: string; name: string };
  check: string;
  column: string | null;
  status: QualityStatus;
  observedAt: number;
  /** The tool's own run or result id: the same (check, column, dataset, run) reported again replaces the earlier result. */
  runRef: string | null;
  details: Record<string, unknown>;
}

/**
 * Stores quality results. Datasets named by namespace + name are created when new (owned by the writer's team);
 * datasets named by id must exist. A result about another team's dataset is refused (403, nothing stored): results
 * open and close the owner's alerts and make its health, so only the owner reports them. Returns the dataset id
 * of each result, in order.
 */
export async function ingestQualityResults(ctx: TenantCtx, audit: AuditSource, writer: IngestWriter, inputs: QualityInput[]): Promise<string[]> {
  const ids = new IdCache(ctx.tenantId);
  const plan = new LineagePlan();
  const byId = inputs.flatMap((r, i) => ("id" in r.dataset ? [[i, r.dataset.id] as const] : []));
  const known = await existingDatasetIds(
    ctx,
    byId.map(([, id]) => id),
  );
  const missing = byId.filter(([, id]) => !known.has(id));
  if (missing.length) {
    throw new ApiError(
      "validation_failed",
      `results[${missing[0][0]}].dataset_id: no such dataset`,
      missing.map(([i]) => ({ path: `results[${i}].dataset_id`, message: "no such dataset" })),
    );
  }
  const datasetIds: string[] = [];
  for (const r of inputs) {
    let datasetId: string;
    if ("id" in r.dataset) datasetId = r.dataset.id;
    else {
      datasetId = await ids.dataset(r.dataset.namespace, r.dataset.name);
      plan.addDataset({
        id: datasetId,
        namespace: r.dataset.namespace,
        name: r.dataset.name,
        kind: null,
        ownerTeamId: writer.ownerTeamId,
        lastWriteAt: null,
        lastWriteRunId: null,
      });
    }
    datasetIds.push(datasetId);
    const scope = r.runRef ?? String(r.observedAt);
    plan.addQuality({
      datasetId,
      source: "api",
      checkName: r.check,
      columnName: r.column,
      status: r.status,
      observedAt: r.observedAt,
      runId: null,
      details: r.runRef ? { ...r.details, run_ref: r.runRef } : r.details,
      dedupeKey: `api:${await sha256Hex(JSON.stringify([scope, datasetId, r.check, r.column]))}`,
    });
  }
  // The ownership check and the writes are one batch: the first statement names the datasets another team owns,
  // and every write applies only if there are none, so an owner set meanwhile by another request is respected.
  const others = othersDatasetsCheck(ctx.tenantId, writer.actsFor, datasetIds);
  const [refusedRows] = await runBatch(ctx, [
    stmt(others.refused),
    ...lineagePlanStatements(ctx, plan, audit.now, { actsFor: writer.actsFor, onlyIf: others.none }),
    stmt(
      auditInsertIf(
        ctx,
        audit,
        {
          action: "quality.ingest",
          targetType: "quality_results",
          targetId: datasetIds[0] ?? "-",
          teamId: writer.ownerTeamId,
          details: { results: inputs.length },
        },
        others.none,
      ),
    ),
  ]);
  const refusedIds = new Set((refusedRows.results as Array<{ refused_id: string }>).map((r) => r.refused_id));
  const refused = inputs.flatMap((r, i) =>
    refusedIds.has(datasetIds[i])
      ? [
          {
            path: `results[${i}].${"id" in r.dataset ? "dataset_id" : "dataset"}`,
            message: "this dataset belongs to another team; only its owner team reports its quality",
          },
        ]
      : [],
  );
  if (refused.length) throw new ApiError("forbidden", `${refused[0].path}: ${refused[0].message}`, refused);
  return datasetIds;
}
