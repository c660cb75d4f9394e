import { epochMs, field, logUnknownState, str } from "../tool-http";

export type FivetranSyncState =
  | { state: "running"; syncState: string | null }
  | { state: "succeeded"; at: number }
  | { state: "failed"; at: number; message: string }
  | { state: "paused" };

const knownSyncStates = new Set(["scheduled", "syncing", "paused", "rescheduled"]);

/** The latest finished sync of a connection (`data` of GET /v1/connections/{id}): max(succeeded_at, failed_at). */
export function lastFinishedAt(connection: unknown): number | null {
  const ok = epochMs(field(connection, "succeeded_at"));
  const failed = epochMs(field(connection, "failed_at"));
  if (ok === null) return failed;
  if (failed === null) return ok;
  return Math.max(ok, failed);
}

/**
 * Whether the sync Tutti asked for has finished, the dagster-fivetran way (CONTRACTS §4): Fivetran has no sync id,
 * so a sync is done once max(succeeded_at, failed_at) moves past `baseline` (its value before the trigger), and it
 * succeeded iff succeeded_at is the later of the two. `rescheduled` means waiting for source quota: still running.
 */
export function fivetranSyncState(connection: unknown, baseline: number | null): FivetranSyncState {
  const status = field(connection, "status");
  const syncState = str(field(status, "sync_state"));
  if (syncState && !knownSyncStates.has(syncState)) logUnknownState("Fivetran", "sync_state", syncState);
  const latest = lastFinishedAt(connection);
  if (latest !== null && (baseline === null || latest > baseline)) {
    const ok = epochMs(field(connection, "succeeded_at"));
    const failed = epochMs(field(connection, "failed_at"));
    if (ok !== null && (failed === null || ok > failed)) return { state: "succeeded", at: ok };
    return { state: "failed", at: latest, message: failureMessage(status) };
  }
  if (field(connection, "paused") === true) return { state: "paused" };
  return { state: "running", syncState };
}

/** The first task message Fivetran attached (tasks are what the user must fix), else a generic line. */
function failureMessage(status: unknown): string {
  const tasks = field(status, "tasks");
  if (Array.isArray(tasks)) {
    for (const t of tasks) {
      const message = str(field(t, "message"));
      if (message) return `the Fivetran sync failed: ${message}`;
    }
  }
  return "the Fivetran sync failed";
}

/** Fivetran's error body: `{code, message}`. */
export function fivetranErrorMessage(json: unknown): string | null {
  const message = str(field(json, "message"));
  const code = str(field(json, "code"));
  return message ? (code ? `${code}: ${message}` : message) : null;
}
