/** Words and rules about runs that several pages share. */
import { terminalRunStatuses } from "../../../worker/engine/states";
import { formatDateTime } from "./format";
import type { Run, RunStatus, TriggerKind } from "./api/types";

/** Every trigger kind with its label; typed as a full record so a new kind cannot be forgotten. */
export const triggerLabels: Record<TriggerKind, string> = {
  manual: "Manual",
  api: "API",
  cron: "Schedule",
  upstream: "Upstream",
  backfill: "Backfill",
  webhook: "Webhook",
  dataset: "Datasets updated",
};
/** The trigger kinds in label order, for filters (the record above guarantees every kind is there). */
export const triggerKinds = Object.keys(triggerLabels) as TriggerKind[];

export function isTerminalRun(status: RunStatus): boolean {
  return terminalRunStatuses.includes(status);
}

/** Which run buttons apply, mirroring the API: cancel while active, retry after a failure, run again once ended. */
export function runActions(status: RunStatus): { cancel: boolean; retry: boolean; runAgain: boolean } {
  return {
    cancel: status === "queued" || status === "running",
    retry: status === "failed" || status === "cancelled" || status === "timed_out",
    runAgain: isTerminalRun(status),
  };
}

/**
 * "Manual by Ada Lovelace", "Schedule for 12 Mar 2026, 06:00:00". An upstream run's `ref` is the run
 * that triggered it, which pages link to (see upstreamRunId).
 */
export function describeTrigger(run: Pick<Run, "trigger" | "logical_at">): string {
  const { kind, by } = run.trigger;
  const parts = [triggerLabels[kind]];
  if (by) parts.push(`by ${by}`);
  if (run.logical_at && (kind === "cron" || kind === "backfill")) parts.push(`for ${formatDateTime(run.logical_at)}`);
  return parts.join(" ");
}

/** The run whose end started this one, for upstream-triggered runs. */
export function upstreamRunId(run: Pick<Run, "trigger">): string | null {
  return run.trigger.kind === "upstream" ? run.trigger.ref : null;
}

/** Elapsed time of a run: finished minus started, or so far while it runs. */
export function runElapsedMs(run: Pick<Run, "started_at" | "finished_at">, now: number): number | null {
  if (!run.started_at) return null;
  const end = run.finished_at ? Date.parse(run.finished_at) : now;
  return end - Date.parse(run.started_at);
}
