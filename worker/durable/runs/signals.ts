import { isTerminalRun } from "../../engine/states";
import type { LogEntry, RunState } from "../../engine/types";
import type { EngineSignal } from "../../queues/signals";
import type { RunStore, RunRow } from "../storage";

/** Signals leave through the outbox, in the same synchronous block as the change they report. */
export function signal(store: RunStore, signal: EngineSignal) {
  store.enqueue({ kind: "notify", payload: signal });
}

/** Failures and run ends go to the `notify` queue, where alerting picks them up. */
export function emitRunSignals(store: RunStore, row: RunRow, state: RunState, log: LogEntry[], now: number) {
  const base = {
    tenantId: row.meta.tenantId,
    runId: row.id,
    pipelineId: row.meta.pipelineId,
    pipelineName: row.meta.pipelineName,
    teamId: row.meta.teamId,
    environment: row.meta.environment,
    at: now,
  };
  for (const entry of log) {
    if (entry.taskKey === null) {
      if (isTerminalRun(entry.to as RunState["status"]) && entry.to !== "skipped") {
        const failedTasks = Object.values(state.tasks)
          .filter((t) => t.status === "failed" || t.status === "timed_out")
          .map((t) => ({ key: t.key, status: t.status, attempt: t.attempt, error: t.error ? { kind: t.error.kind, message: t.error.message } : null }));
        signal(store, { type: "engine.run_finished", ...base, status: entry.to, reason: state.reason, triggerKind: row.meta.trigger.kind, failedTasks });
      }
    } else if (entry.to === "failed" || entry.to === "timed_out") {
      const task = state.tasks[entry.taskKey];
      const plan = state.plan.find((p) => p.key === entry.taskKey);
      signal(store, {
        type: "engine.task_failed",
        ...base,
        taskKey: entry.taskKey,
        status: entry.to,
        attempt: task.attempt,
        retriesExhausted: (plan?.retries.max ?? 0) > 0,
        error: task.error ? { kind: task.error.kind, message: task.error.message } : null,
      });
    }
  }
}
