import { field, logUnknownState, str } from "../tool-http";

/**
 * A BigQuery Job → normalised state (CONTRACTS-2 §2). `status.state` is PENDING | RUNNING | DONE; a DONE job failed
 * only when `status.errorResult` is present (`errors[]` may be non-empty on success). A job someone cancelled ends
 * DONE with errorResult reason `stopped`.
 */
export type BigQueryJobState = { state: "running" } | { state: "succeeded" } | { state: "failed"; message: string } | { state: "cancelled"; message: string };

export function bigQueryJobState(job: unknown): BigQueryJobState {
  const status = field(job, "status");
  const state = str(field(status, "state"));
  if (state === "PENDING" || state === "RUNNING") return { state: "running" };
  if (state !== "DONE") {
    logUnknownState("BigQuery", "status.state", state);
    return { state: "running" };
  }
  const error = field(status, "errorResult");
  if (error === undefined || error === null) return { state: "succeeded" };
  const reason = str(field(error, "reason"));
  const message = str(field(error, "message")) ?? "";
  if (reason === "stopped") return { state: "cancelled", message: `the job was cancelled in BigQuery${message ? `: ${message}` : ""}` };
  return { state: "failed", message: `the BigQuery job failed${reason ? ` (${reason})` : ""}${message ? `: ${message}` : ""}` };
}

/** Labels Tutti puts on every job it runs, so the cost collector can give the job's cost to its task. */
export const RUN_LABEL = "tutti_run";
export const TASK_LABEL = "tutti_task";

/** Characters BigQuery accepts in a job id (letters, digits, _ and -; ≤ 1024). */
const jobIdSafe = (s: string) => s.replace(/[^A-Za-z0-9_-]/g, "_");

/**
 * The job id of a task attempt: the same attempt inserted twice (a repeated dispatch) finds its job (409 duplicate)
 * instead of running the query again; the next attempt gets a new job.
 */
export const jobIdFor = (run: { runId: string; taskKey: string; attempt: number }) =>
  jobIdSafe(`tutti_${run.runId}_${run.taskKey}_${run.attempt}`).slice(0, 1024);

/** A label value: lowercase letters, digits, _ and -, at most 63 characters. */
export const labelValue = (s: string) =>
  s
    .toLowerCase()
    .replace(/[^a-z0-9_-]/g, "_")
    .slice(0, 63);

/** The job's page in the Google Cloud console. */
export const jobConsoleUrl = (project: string, location: string, jobId: string) =>
  `https://console.cloud.google.com/bigquery?${new URLSearchParams({ project, j: `bq:${location}:${jobId}`, page: "queryresults" })}`;
