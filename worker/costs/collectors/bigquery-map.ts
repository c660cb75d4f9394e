import type { Row, Value } from "../../connectors/bigquery/rows";
import { text } from "../../connectors/bigquery/rows";
import { RUN_LABEL, TASK_LABEL } from "../../connectors/bigquery/status";
import { onDemandMicros, slotMicros } from "../bigquery";
import type { CostDraft } from "../draft";
import type { TaskRef } from "../snowflake";
import type { TableRead } from "./snowflake-map";

/**
 * BigQuery `region-<loc>.INFORMATION_SCHEMA.JOBS_BY_PROJECT` rows (CONTRACTS-2 §2), by column name as jobsSql
 * projects them → ledger drafts and table reads. One draft per job, keyed `project:location:job_id` like the drafts
 * dbt run_results give (worker/costs/bigquery.ts), so a job read again, or reported by dbt too, is one record. No I/O.
 */

/** The collector's own queries carry this label, so its reads are left out of product usage. */
export const COLLECTOR_LABEL = { tutti_collector: "cost" } as const;
/** The shared pool load and export jobs use for free: no slot cost. */
const FREE_POOL = "default-pipeline";

const ISO = "'%Y-%m-%dT%H:%M:%E3SZ'";
const ts = (column: string) => `FORMAT_TIMESTAMP(${ISO}, ${column}, 'UTC') AS ${column}`;

/**
 * Finished jobs created in [@window_from, @window_to). Script parents are left out: their bytes and slots are the
 * sum of their child jobs, which are read themselves. Timestamps are formatted in SQL, because their default JSON
 * form (float epoch seconds as text) is not pinned down (CONTRACTS-2 §2 ⚠️).
 */
export function jobsSql(project: string, location: string): string {
  return `SELECT job_id, project_id, user_email, job_type, statement_type, state, ${ts("creation_time")}, ${ts("start_time")}, ${ts("end_time")},
  total_bytes_billed, total_slot_ms, reservation_id, cache_hit, error_result.reason AS error_reason, labels, referenced_tables
FROM \`${project}\`.\`region-${location.toLowerCase()}\`.INFORMATION_SCHEMA.JOBS_BY_PROJECT
WHERE creation_time >= @window_from AND creation_time < @window_to AND state = 'DONE' AND (statement_type IS NULL OR statement_type != 'SCRIPT')
ORDER BY creation_time, job_id`;
}

export interface BigQueryPricing {
  currency: string;
  pricePerTib: number;
  /** Editions: jobs that ran in a reservation cost their slot time at this price; null prices every job by bytes. */
  slotHourPrice: number | null;
}

const time = (v: string | null): number | null => {
  if (!v) return null;
  const t = Date.parse(v);
  return Number.isNaN(t) ? null : t;
};

const int = (v: string | null): bigint | null => (v && /^-?\d+$/.test(v) ? BigInt(v) : null);

/** `labels` (ARRAY<STRUCT<key, value>>) as a map. */
export function labelsOf(row: Row): Record<string, string> {
  const out: Record<string, string> = {};
  const labels = row.labels;
  if (!Array.isArray(labels)) return out;
  for (const l of labels as Value[]) {
    if (l && typeof l === "object" && !Array.isArray(l) && typeof l.key === "string") out[l.key] = typeof l.value === "string" ? l.value : "";
  }
  return out;
}

/** The dbt invocation a job's labels name (dbt's `query-comment: {job-label: true}` with the invocation id in the comment). */
export const invocationOfLabels = (labels: Record<string, string>): string | null => labels.dbt_invocation_id || labels.invocation_id || null;

export interface JobContext {
  project: string;
  location: string;
  taskOfInvocation(id: string): TaskRef | null;
}

const jobRef = (row: Row, ctx: JobContext) => `${text(row, "project_id") ?? ctx.project}:${ctx.location}:${text(row, "job_id")}`;

function taskOf(labels: Record<string, string>, ctx: JobContext): TaskRef | null {
  // Tutti's own jobs (worker/connectors/bigquery) carry the run and task; run ids are lowercase, so the label is the id.
  if (labels[RUN_LABEL]?.startsWith("run_")) return { runId: labels[RUN_LABEL], taskKey: labels[TASK_LABEL] || null };
  const invocation = invocationOfLabels(labels);
  return invocation ? ctx.taskOfInvocation(invocation) : null;
}

/**
 * One draft per job. Under on-demand pricing a job costs its bytes billed; under editions a job that ran in a
 * reservation costs its slot time and one that did not (on-demand in the same project) its bytes. A job that costs
 * nothing (a cache hit) gives a zero draft, which only corrects a record stored earlier.
 */
export function jobDrafts(rows: Row[], pricing: BigQueryPricing, ctx: JobContext): CostDraft[] {
  const out: CostDraft[] = [];
  for (const row of rows) {
    const jobId = text(row, "job_id");
    const startedAt = time(text(row, "start_time")) ?? time(text(row, "creation_time"));
    if (!jobId || startedAt === null || text(row, "state") !== "DONE" || text(row, "statement_type") === "SCRIPT") continue;
    const labels = labelsOf(row);
    const task = taskOf(labels, ctx);
    const reservation = text(row, "reservation_id");
    const bySlots = pricing.slotHourPrice !== null && reservation !== null && reservation !== FREE_POOL;
    const bytes = int(text(row, "total_bytes_billed")) ?? 0n;
    const slotMs = int(text(row, "total_slot_ms")) ?? 0n;
    const user = text(row, "user_email") ?? "unknown user";
    const what = text(row, "statement_type") ?? text(row, "job_type") ?? "job";
    out.push({
      source: "bigquery",
      externalRef: jobRef(row, ctx),
      amountMicros: bySlots ? slotMicros(slotMs, pricing.slotHourPrice!) : onDemandMicros(bytes, pricing.pricePerTib),
      currency: pricing.currency,
      quantity: bySlots ? Number(slotMs) / 3_600_000 : Number(bytes),
      unit: bySlots ? "hours" : "bytes",
      startedAt,
      endedAt: time(text(row, "end_time")),
      description: `${what} by ${user}${bySlots ? ` in reservation ${reservation}` : ""}`,
      attribution: { runId: task?.runId ?? null, taskKey: task?.taskKey ?? null, queryId: jobId, warehouse: bySlots ? reservation : null },
    });
  }
  return out;
}

/** The tool behind a job, by its labels: Tutti's own, or an `app` label (dbt sets `app: dbt` with job-label on). */
function toolOf(labels: Record<string, string>): string | null {
  if (labels[RUN_LABEL]) return "tutti";
  return labels.app || null;
}

/** Referenced tables → one read per (job, table), by person and tool; failed jobs, the collector's own and result caches left out. */
export function jobTableReads(rows: Row[], ctx: JobContext): TableRead[] {
  const out: TableRead[] = [];
  for (const row of rows) {
    const at = time(text(row, "creation_time"));
    const labels = labelsOf(row);
    if (!text(row, "job_id") || at === null || text(row, "error_reason") || labels.tutti_collector) continue;
    const tool = toolOf(labels);
    const consumer = `${text(row, "user_email") ?? "unknown user"}${tool ? ` via ${tool}` : ""}`;
    const seen = new Set<string>();
    const tables = Array.isArray(row.referenced_tables) ? row.referenced_tables : [];
    for (const t of tables) {
      if (!t || typeof t !== "object" || Array.isArray(t)) continue;
      const { project_id: project, dataset_id: dataset, table_id: table } = t;
      // Datasets starting with _ are BigQuery's own (cached results, script temporaries), not tables anyone owns.
      if (typeof project !== "string" || typeof dataset !== "string" || typeof table !== "string" || dataset.startsWith("_")) continue;
      const name = `${project}.${dataset}.${table}`;
      if (seen.has(name)) continue;
      seen.add(name);
      out.push({ eventId: `bigquery:${jobRef(row, ctx)}:${name}`, table: name, consumer, at });
    }
  }
  return out;
}
