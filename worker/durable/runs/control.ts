import { isTerminalRun } from "../../engine/states";
import type { RunState } from "../../engine/types";
import { ApiError } from "../../lib/errors";
import type { RunRow } from "../storage";
import type { RunSummary } from "./contract";
import type { RunsCore } from "./core";

/** Cancels an unfinished run: active tasks are stopped at their tools, the others skipped. */
export async function cancelRun(core: RunsCore, runId: string, reason: string): Promise<RunSummary> {
  const row = requireRun(core, runId);
  if (isTerminalRun(row.state.status)) throw new ApiError("conflict", `run is already ${row.state.status}`);
  core.apply(runId, `cancel:${runId}`, { type: "run.cancel", reason });
  await core.settle();
  return summary(core, runId);
}

/** Runs a failed, cancelled or timed-out run again from its failed tasks (once per run attempt). */
export async function retryRun(core: RunsCore, runId: string): Promise<RunSummary> {
  const row = requireRun(core, runId);
  core.apply(runId, `retry:${runId}:${row.state.attempt + 1}`, { type: "run.retry" });
  await core.settle();
  return summary(core, runId);
}

export function runState(core: RunsCore, runId: string): RunState | null {
  return core.store.getRun(runId)?.state ?? null;
}

function requireRun(core: RunsCore, runId: string): RunRow {
  const row = core.store.getRun(runId);
  if (!row) throw new ApiError("conflict", "this run is no longer held by the engine (finished runs can be changed for 14 days)");
  return row;
}

function summary(core: RunsCore, runId: string): RunSummary {
  const row = requireRun(core, runId);
  return { id: row.id, status: row.state.status, deduplicated: false };
}
