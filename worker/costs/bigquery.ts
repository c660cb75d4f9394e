import type { DbtResult } from "../lineage/dbt-run-results";
import { toMicros } from "./money";
import type { CostDraft } from "./draft";

/**
 * BigQuery on-demand cost from dbt run_results: each model's `adapter_response.bytes_billed` × the price per
 * TiB (2^40 bytes, as Google bills). One record per BigQuery job (`project:location:job_id`), so uploading the
 * same run_results again changes nothing. Capacity (slot) pricing is not derived: reservations bill slots, not
 * bytes, and the bill belongs in the generic costs API.
 */

export const TIB = 2 ** 40;

export interface DbtCostTarget {
  pricePerTib: number;
  currency: string;
  /** When Tutti ran the dbt job: the task, so the cost follows the task's pipeline. */
  task: { runId: string; taskKey: string } | null;
  /** Catalog dataset a dbt node builds (null for tests and operations). */
  datasetOf(uniqueId: string): string | null;
  /** When the results carry no timing: the run_results generation time. */
  generatedAt: number;
}

const str = (v: unknown): string | null => (typeof v === "string" && v !== "" ? v : null);

export function bigQueryJobRef(result: Pick<DbtResult, "queryId" | "adapterResponse">): string | null {
  if (!result.queryId) return null;
  const project = str(result.adapterResponse.project_id);
  const location = str(result.adapterResponse.location);
  return [project, location, result.queryId].filter(Boolean).join(":");
}

export function bigQueryCostsFromDbt(results: DbtResult[], target: DbtCostTarget): CostDraft[] {
  const out: CostDraft[] = [];
  for (const r of results) {
    const ref = bigQueryJobRef(r);
    if (!ref || r.bytesBilled === null || r.bytesBilled <= 0) continue;
    const dataset = target.datasetOf(r.uniqueId);
    out.push({
      source: "bigquery",
      externalRef: ref,
      amountMicros: toMicros((r.bytesBilled / TIB) * target.pricePerTib),
      currency: target.currency,
      quantity: r.bytesBilled,
      unit: "bytes",
      startedAt: r.startedAt ?? r.completedAt ?? target.generatedAt,
      endedAt: r.completedAt,
      description: `dbt ${r.uniqueId}`,
      attribution: {
        runId: target.task?.runId ?? null,
        taskKey: target.task?.taskKey ?? null,
        queryId: r.queryId,
        datasetIds: dataset ? [dataset] : [],
      },
    });
  }
  return out;
}
