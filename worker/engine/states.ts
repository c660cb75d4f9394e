export const runStatuses = ["queued", "running", "succeeded", "failed", "cancelled", "timed_out", "skipped"] as const;
export type RunStatus = (typeof runStatuses)[number];

export const taskStatuses = ["pending", "queued", "triggered", "running", "up_for_retry", "succeeded", "failed", "skipped", "cancelled", "timed_out"] as const;
export type TaskStatus = (typeof taskStatuses)[number];

export const terminalRunStatuses: readonly RunStatus[] = ["succeeded", "failed", "cancelled", "timed_out", "skipped"];
export const terminalTaskStatuses: readonly TaskStatus[] = ["succeeded", "failed", "skipped", "cancelled", "timed_out"];

export const isTerminalRun = (s: RunStatus) => terminalRunStatuses.includes(s);
export const isTerminalTask = (s: TaskStatus) => terminalTaskStatuses.includes(s);
/** Work is out at the tool (or about to be): a cancel must reach the connector. */
export const isActiveTask = (s: TaskStatus) => s === "queued" || s === "triggered" || s === "running";
export const isFailedTask = (s: TaskStatus) => s === "failed" || s === "timed_out";

/** Allowed task transitions; anything else is a bug in the transition function. */
export const taskTransitions: Record<TaskStatus, readonly TaskStatus[]> = {
  // pending → failed: its run_if or a `${{ … }}` input could not be decided, so it never starts.
  pending: ["queued", "skipped", "cancelled", "failed"],
  queued: ["triggered", "running", "succeeded", "failed", "up_for_retry", "cancelled", "timed_out"],
  triggered: ["running", "succeeded", "failed", "up_for_retry", "cancelled", "timed_out"],
  running: ["running", "succeeded", "failed", "up_for_retry", "cancelled", "timed_out"],
  up_for_retry: ["queued", "cancelled"],
  succeeded: [],
  // Retry from failure puts these back to pending.
  failed: ["pending"],
  skipped: ["pending"],
  cancelled: ["pending"],
  timed_out: ["pending"],
};

export const runTransitions: Record<RunStatus, readonly RunStatus[]> = {
  queued: ["running", "cancelled", "skipped"],
  running: ["succeeded", "failed", "cancelled", "timed_out"],
  succeeded: [],
  failed: ["running"],
  cancelled: ["running"],
  timed_out: ["running"],
  skipped: [],
};
