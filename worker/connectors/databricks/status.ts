import { sha256Hex } from "../../lib/hash";
import { field, logUnknownState, num, str } from "../tool-http";

export type DatabricksRunState =
  | { state: "running" }
  | { state: "succeeded"; withFailures: boolean }
  | { state: "failed"; message: string }
  | { state: "cancelled"; message: string };

const activeLifeCycle = new Set(["QUEUED", "PENDING", "RUNNING", "TERMINATING", "BLOCKED", "WAITING_FOR_RETRY"]);
const activeStatus = new Set(["BLOCKED", "PENDING", "QUEUED", "RUNNING", "TERMINATING", "WAITING"]);

/**
 * A run from GET jobs/runs/get → normalised state (CONTRACTS §7, §10). Reads the classic `state`
 * (life_cycle_state + result_state) and falls back on the newer `status` (state + termination_details).
 * Terminal: TERMINATED, SKIPPED, INTERNAL_ERROR. SUCCESS_WITH_FAILURES is a success by Databricks' own rule
 * (only non-leaf tasks failed); CANCELED (someone or something stopped the run in Databricks) ends the task cancelled.
 * Unknown in-progress values keep waiting; an unknown final result fails loudly.
 */
export function databricksRunState(run: unknown): DatabricksRunState {
  const state = field(run, "state");
  const lifeCycle = str(field(state, "life_cycle_state"));
  const message = str(field(state, "state_message")) || str(field(field(field(run, "status"), "termination_details"), "message")) || "";
  if (lifeCycle) {
    if (activeLifeCycle.has(lifeCycle)) return { state: "running" };
    if (lifeCycle === "SKIPPED") return { state: "failed", message: `Databricks skipped the run${message ? `: ${message}` : ""}` };
    if (lifeCycle === "INTERNAL_ERROR") return { state: "failed", message: `Databricks internal error${message ? `: ${message}` : ""}` };
    if (lifeCycle === "TERMINATED") return fromResult(str(field(state, "result_state")), message);
    logUnknownState("Databricks", "life_cycle_state", lifeCycle);
    return { state: "running" };
  }
  const status = field(run, "status");
  const statusState = str(field(status, "state"));
  if (statusState && activeStatus.has(statusState)) return { state: "running" };
  if (statusState === "TERMINATED") {
    const details = field(status, "termination_details");
    const code = str(field(details, "code"));
    if (code === "SUCCESS" || code === "SUCCESS_WITH_FAILURES") return { state: "succeeded", withFailures: code === "SUCCESS_WITH_FAILURES" };
    if (code === "CANCELED" || code === "USER_CANCELED") return { state: "cancelled", message: cancelledMessage(message) };
    if (code === "SKIPPED") return { state: "failed", message: `Databricks skipped the run${message ? `: ${message}` : ""}` };
    return { state: "failed", message: `the Databricks run failed (${code ?? str(field(details, "type")) ?? "unknown"})${message ? `: ${message}` : ""}` };
  }
  logUnknownState("Databricks", "status.state", statusState);
  return { state: "running" };
}

function fromResult(result: string | null, message: string): DatabricksRunState {
  switch (result) {
    case "SUCCESS":
      return { state: "succeeded", withFailures: false };
    case "SUCCESS_WITH_FAILURES":
      return { state: "succeeded", withFailures: true };
    case "CANCELED":
      return { state: "cancelled", message: cancelledMessage(message) };
    case "TIMEDOUT":
      return { state: "failed", message: `the run timed out in Databricks${message ? `: ${message}` : ""}` };
    case "FAILED":
    case "MAXIMUM_CONCURRENT_RUNS_REACHED":
    case "EXCLUDED":
    case "UPSTREAM_FAILED":
    case "UPSTREAM_CANCELED":
    case "DISABLED":
      return { state: "failed", message: `the Databricks run ended ${result}${message ? `: ${message}` : ""}` };
    default:
      logUnknownState("Databricks", "result_state", result);
      return { state: "failed", message: `the Databricks run ended with result ${result ?? "(none)"}${message ? `: ${message}` : ""}` };
  }
}

const cancelledMessage = (message: string) => `the run was cancelled in Databricks${message ? `: ${message}` : ""}`;

/**
 * run-now's idempotency_token (≤ 64 chars): one per task attempt, so a repeated dispatch of the same attempt
 * returns the run it already started and a retry (next attempt) starts a new one.
 */
export async function idempotencyToken(run: { runId: string; taskKey: string; attempt: number }): Promise<string> {
  const token = `tutti-${run.runId}-${run.taskKey}-${run.attempt}`;
  return token.length <= 64 ? token : sha256Hex(token);
}

/** Databricks' error body: `{error_code, message}`. */
export function databricksErrorMessage(json: unknown): string | null {
  const message = str(field(json, "message"));
  const code = str(field(json, "error_code"));
  return message ? (code ? `${code}: ${message}` : message) : null;
}

/** Ids of the run's repairs (`repair_history[]` entries of type REPAIR), oldest first. */
export function repairIdsOf(run: unknown): number[] {
  const history = field(run, "repair_history");
  if (!Array.isArray(history)) return [];
  return history
    .filter((h) => str(field(h, "type")) === "REPAIR")
    .map((h) => num(field(h, "id")))
    .filter((id): id is number => id !== null);
}

/** The id of the run's newest repair, or null when it was never repaired. */
export const latestRepairId = (run: unknown): number | null => repairIdsOf(run).at(-1) ?? null;
