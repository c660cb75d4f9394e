import { field, str } from "../../connectors/tool-http";
import type { TaskRef } from "../snowflake";
import { parseDecimal, priceMicros } from "../decimal";
import type { CostDraft } from "../draft";

/**
 * Airbyte public API jobs (CONTRACTS-2 §5: `JobResponse{jobId, status, jobType, startTime, connectionId,
 * lastUpdatedAt, duration, bytesSynced?, rowsSynced?}`) → one ledger record per finished job that reports its rows,
 * priced per million rows at the workspace's Airbyte rate. A job's record is keyed by the API's host and the job
 * id, so reading it again (the window re-reads a day) replaces it, and a job whose figures Airbyte corrects later is
 * corrected in place. `rowsSynced` absent means unknown, not zero: such a job writes nothing.
 */

const FINISHED = new Set(["succeeded", "failed", "cancelled"]);
const MILLION = 1_000_000n;

export interface AirbyteJobMapping {
  currency: string;
  perMillionRows: number;
  /** Host of the API the jobs came from: job ids are unique per Airbyte instance only. */
  host: string;
  taskOfJob(jobId: string): TaskRef | null;
}

/** Job ids as text (the API sends integers). */
export const jobIdOf = (job: unknown): string | null => str(field(job, "jobId"));

export function airbyteJobDrafts(jobs: unknown[], m: AirbyteJobMapping): CostDraft[] {
  const drafts = new Map<string, CostDraft>();
  for (const job of jobs) {
    const jobId = jobIdOf(job);
    const status = str(field(job, "status"));
    const rows = parseDecimal(field(job, "rowsSynced"));
    const startedAt = Date.parse(str(field(job, "startTime")) ?? "");
    if (!jobId || !status || !FINISHED.has(status) || rows === null || rows < 0n || Number.isNaN(startedAt)) continue;
    const updated = Date.parse(str(field(job, "lastUpdatedAt")) ?? "");
    const connectionId = str(field(job, "connectionId"));
    const task = m.taskOfJob(jobId);
    const externalRef = `${m.host}:job:${jobId}`;
    drafts.set(externalRef, {
      source: "airbyte",
      externalRef,
      amountMicros: priceMicros(rows / MILLION, m.perMillionRows),
      currency: m.currency,
      quantity: Number(rows / 10n ** 18n),
      unit: "rows",
      startedAt,
      endedAt: Number.isNaN(updated) ? null : updated,
      description: `Airbyte ${str(field(job, "jobType")) ?? "sync"} job ${jobId}${connectionId ? ` · connection ${connectionId}` : ""} (${status})`,
      attribution: task ? { runId: task.runId, taskKey: task.taskKey } : {},
    });
  }
  return [...drafts.values()];
}
