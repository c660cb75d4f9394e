import { field, logUnknownState, num, str } from "../tool-http";

export type DbtRunState =
  | { state: "running"; code: number | null }
  | { state: "succeeded" }
  | { state: "failed"; message: string }
  | { state: "cancelled"; message: string };

/** dbt Cloud run status codes (CONTRACTS §3): 1 Queued, 2 Starting, 3 Running; 10 Success, 20 Error, 30 Cancelled. */
export const DBT_STATUS = { queued: 1, starting: 2, running: 3, success: 10, error: 20, cancelled: 30 } as const;

/**
 * Maps a run object (`data` of GET runs/{id}/) to a normalised state. Unknown codes fall back on the
 * run's own is_complete / is_success / is_cancelled flags, and stay running when those say nothing.
 */
export function dbtRunState(run: unknown): DbtRunState {
  const code = num(field(run, "status"));
  const message = str(field(run, "status_message"));
  switch (code) {
    case DBT_STATUS.queued:
    case DBT_STATUS.starting:
    case DBT_STATUS.running:
      return { state: "running", code };
    case DBT_STATUS.success:
      return { state: "succeeded" };
    case DBT_STATUS.error:
      return { state: "failed", message: failureMessage(message, "the dbt Cloud run errored") };
    case DBT_STATUS.cancelled:
      return { state: "cancelled", message: failureMessage(message, "the run was cancelled in dbt Cloud") };
  }
  logUnknownState("dbt Cloud", "run status", code ?? field(run, "status"));
  if (field(run, "is_complete") === true) {
    if (field(run, "is_success") === true) return { state: "succeeded" };
    if (field(run, "is_cancelled") === true) return { state: "cancelled", message: failureMessage(message, "the run was cancelled in dbt Cloud") };
    return { state: "failed", message: failureMessage(message, `the dbt Cloud run ended with status ${code}`) };
  }
  return { state: "running", code };
}

/** dbt Cloud writes the literal "None" when there is no message. */
function failureMessage(message: string | null, fallback: string) {
  return message && message !== "None" ? message : fallback;
}

/** The `cause` sent with a trigger: names the Tutti run so the dbt Cloud run can be traced back (≤255 chars). */
export function dbtCause(run: { runId: string; taskKey: string; attempt: number }, cause: string | undefined): string {
  const marker = `Tutti run ${run.runId} task ${run.taskKey} attempt ${run.attempt}`;
  return (cause ? `${marker}: ${cause}` : marker).slice(0, 255);
}

/** dbt Cloud's error envelope: `{status: {user_message, developer_message}}`. */
export function dbtErrorMessage(json: unknown): string | null {
  const status = field(json, "status");
  return str(field(status, "user_message")) || str(field(status, "developer_message")) || null;
}
