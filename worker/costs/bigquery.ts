import type { DbtResult } from "../lineage/dbt-run-results";
import { MICROS } from "./money";
import type { CostDraft } from "./draft";

/**
 * BigQuery on-demand cost from dbt run_results: each model's `adapter_response.bytes_billed` × the price per
 * TiB (2^40 bytes, as Google bills). One record per BigQuery job (`project:location:job_id`), so uploading the
 * same run_results again changes nothing, and the cost collector (worker/costs/collectors/bigquery.ts) writes the
 * same record, not a second one. Capacity (slot) pricing is not derived here: the collector reads slot time.
 */

export const TIB = 2 ** 40;
const SLOT_MS_PER_HOUR = 3_600_000n;

/** n × price / per, rounded half up, in micros (all integers: byte counts beyond 2^53 stay exact). */
function ratioMicros(n: bigint, price: number, per: bigint): number {
  const scaled = n * BigInt(Math.round(price * MICROS));
  return Number((2n * scaled + per) / (2n * per));
}

/** On-demand analysis: bytes billed / 2^40 × the price per TiB. */
export const onDemandMicros = (bytesBilled: bigint, pricePerTib: number) => ratioMicros(bytesBilled, pricePerTib, BigInt(TIB));

/** Editions (capacity): slot-milliseconds / 3.6e6 × the price per slot-hour. */
export const slotMicros = (slotMs: bigint, pricePerSlotHour: number) => ratioMicros(slotMs, pricePerSlotHour, SLOT_MS_PER_HOUR);

/** `US`/`EU` (multi-regions) as BigQuery reports them, whatever case they were written in; regions as written. */
export const jobLocation = (location: string) => (/^(us|eu)$/i.test(location) ? location.toUpperCase() : location);

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
  return [project, location && jobLocation(location), result.queryId].filter(Boolean).join(":");
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
      amountMicros: onDemandMicros(BigInt(Math.round(r.bytesBilled)), target.pricePerTib),
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
