import type { ExternalHandle, SensorTiming, TaskError, TaskOutcome } from "../connectors/types";
import type { RetryPolicy } from "./backoff";
import type { NativeRerunKind, RetryKind } from "./retry-kinds";
import type { RunStatus, TaskStatus } from "./states";
import type { TemplateRef } from "./templates";

/** The engine's view of one task of the pinned pipeline version. */
export interface PlanTask {
  key: string;
  dependsOn: string[];
  /** A keyword (`all_success`, `all_done`, `any_failed`) or a CEL expression (engine/run-if.ts). */
  runIf: string;
  /** The `${{ … }}` references of the task's `with`: each must have a value before the task is dispatched. */
  inputs?: TemplateRef[];
  retries: RetryPolicy;
  timeoutMs: number | null;
  pollIntervalMs: number;
  skipDownstreamIfNoNewData: boolean;
  /**
   * The task waits for a condition: polled every `intervalMs` (its pollIntervalMs), an unmet condition keeps it
   * running, and after `timeoutMs` it times out without a retry (absent for every other task).
   */
  sensor?: SensorTiming;
  /** The task's tool has its own partial rerun, used by retry from failure (engine/retry-kind.ts). */
  nativeRerun?: NativeRerunKind;
  /** Each attempt holds `slots` of the tenant's pool `name` from its grant until it ends (engine/pools.ts). */
  pool?: PoolClaim;
}

export interface PoolClaim {
  name: string;
  slots: number;
}

/** The tool run a native rerun continues, and which rerun it is. */
export interface NativeRerun {
  kind: NativeRerunKind;
  of: ExternalHandle;
}

export interface TaskState {
  key: string;
  status: TaskStatus;
  /** Attempt number of the current or last try (0 = never tried). */
  attempt: number;
  handle: ExternalHandle | null;
  error: TaskError | null;
  /** Why a task was skipped or cancelled, for the UI. */
  reason: string | null;
  noNewData: boolean;
  /** What the connector reported when the current attempt succeeded (declared names only); null otherwise. */
  outputs?: Record<string, unknown> | null;
  /**
   * How the current attempt was started when it is not the first: a fresh trigger, or the tool's own partial rerun of
   * `rerunOf`. Null for a first attempt (and absent in runs created before tool-native reruns).
   */
  retryKind?: RetryKind | null;
  /** The failed tool run the current attempt reruns (set with a native `retryKind`), handed to the connector. */
  rerunOf?: ExternalHandle | null;
  /** The tool run whose reported failure ended the last attempt (a poll or webhook said so), for retry from failure. */
  failedRun?: ExternalHandle | null;
  /** Retry from failure decided that the next attempt is the tool's own partial rerun (taken when it is queued). */
  pendingRerun?: NativeRerun | null;
  /**
   * The pool a queued attempt waits for: set when it is queued, cleared when the Durable Object grants it its slots
   * (then it is dispatched). Absent or null for a task without a pool.
   */
  poolWait?: string | null;
  /** Increments per poll so repeated poll messages are recognised. */
  pollSeq: number;
  queuedAt: number | null;
  startedAt: number | null;
  finishedAt: number | null;
}

export interface RunState {
  id: string;
  status: RunStatus;
  /** 1 for the first execution; +1 per retry-from-failure. */
  attempt: number;
  plan: PlanTask[];
  tasks: Record<string, TaskState>;
  timeoutMs: number | null;
  /** The run's params, for `run_if` expressions and `${{ params.<name> }}` (absent in runs created before outputs). */
  params?: Record<string, unknown>;
  queuedAt: number;
  startedAt: number | null;
  finishedAt: number | null;
  reason: string | null;
}

export type DispatchOp = "trigger" | "poll" | "cancel";

export type EngineEvent =
  | { type: "run.start" }
  | { type: "run.cancel"; reason: string }
  | { type: "run.skip"; reason: string }
  | { type: "run.retry" }
  | { type: "run.timeout" }
  | { type: "task.outcome"; key: string; attempt: number; outcome: TaskOutcome; source: "trigger" | "poll" | "webhook"; startedAt?: number }
  | { type: "task.retry_due"; key: string; attempt: number }
  | { type: "task.poll_due"; key: string; attempt: number }
  | { type: "task.timeout"; key: string; attempt: number }
  | { type: "task.dispatch_failed"; key: string; attempt: number; message: string }
  /** The task's pool has room for the attempt: it may start. */
  | { type: "task.pool_granted"; key: string; attempt: number }
  /** The attempt cannot have its slots yet (`reason` says why, for the run page). */
  | { type: "task.pool_waiting"; key: string; attempt: number; reason: string }
  /** The attempt's pool does not exist (deleted after the push): it fails without a retry. */
  | { type: "task.pool_refused"; key: string; attempt: number; message: string };

export type Effect =
  | { type: "dispatch"; key: string; attempt: number; op: DispatchOp; seq: number }
  | { type: "timer.set"; timerKey: string; dueAt: number; event: EngineEvent }
  | { type: "timer.clear"; timerKey: string }
  | { type: "run.finished"; status: RunStatus }
  /** An attempt asks for `slots` of `pool`; granted in the order asked (worker/durable/runs/pools.ts). */
  | { type: "pool.request"; key: string; attempt: number; pool: string; slots: number }
  /** The attempt is over (or was never started): whatever it held or waited for in its pool is given back. */
  | { type: "pool.release"; key: string; attempt: number };

export interface LogEntry {
  taskKey: string | null;
  from: string;
  to: string;
  reason: string;
}

export interface TransitionResult {
  state: RunState;
  effects: Effect[];
  log: LogEntry[];
  /**
   * False when the event no longer applies (a stale attempt, a finished run, a repeat): then `state` equals the input,
   * and there is nothing to persist or perform.
   */
  changed: boolean;
}

export interface EngineClock {
  now: number;
  random: () => number;
}
