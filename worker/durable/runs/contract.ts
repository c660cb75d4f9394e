import type { TaskOutcome } from "../../connectors/types";
import type { RunCiContext } from "../../db/schema/runs";
import type { BackfillAction, BackfillControl } from "../../engine/backfill-control";
import type { DatasetUpdate } from "../../engine/dataset-triggers";
import type { NativeRerun, RunState } from "../../engine/types";
import type { ErrorCode } from "../../lib/errors";
import type { DispatchMessage } from "../../queues/messages";
import type { CollectorPass, PassRequest } from "../collector-passes";
import type { RunMeta } from "../run-meta";

/**
 * What callers of the tenant's run engine (worker/durable/tenant-runs.ts) may ask of it. Kept apart from the class so
 * the Worker's routes and consumers type their stub without importing the Durable Object and everything it runs.
 */

/** RPC loses error classes, so expected failures travel as values and become ApiErrors in the Worker (durable/result.ts). */
export type DoResult<T> = { ok: true; value: T } | { ok: false; code: ErrorCode; message: string };

export interface CreateRunInput {
  tenantId: string;
  pipelineId: string;
  trigger: RunMeta["trigger"];
  params?: Record<string, unknown>;
  /** Same key → same run (cron slots, upstream triggers, backfill slots). */
  dedupeKey?: string;
  logicalAt?: number | null;
  environment?: string;
  /** Pull request and commit of a run started from CI (stored on the run). */
  ci?: RunCiContext | null;
  /** Set for upstream-triggered runs: the upstream run's depth + 1 (see MAX_TRIGGER_CHAIN_DEPTH). */
  chainDepth?: number;
}

export interface RunSummary {
  id: string;
  status: string;
  deduplicated: boolean;
}

export interface BackfillInput {
  tenantId: string;
  pipelineId: string;
  backfillId: string;
  from: number;
  to: number;
  parallelism: number;
  by: string;
  params?: Record<string, unknown>;
}

export interface BackfillCreated {
  backfillId: string;
  runIds: string[];
  slots: number[];
}

export interface BackfillControlInput {
  tenantId: string;
  pipelineId: string;
  backfillId: string;
  action: BackfillAction;
  /** Who asked, for the cancelled runs' reason. */
  by: string;
}

export interface BackfillControlled {
  control: BackfillControl;
  /** Orders the changes written to D1 (recordBackfillControl). */
  seq: number;
  /** False when the backfill already was in that state. */
  changed: boolean;
  cancelledRuns: number;
}

export interface BackfillRetryInput {
  tenantId: string;
  pipelineId: string;
  backfillId: string;
  parallelism: number;
  by: string;
  /** The failed slots: each one's schedule time, params and the failed run a new run follows. */
  slots: Array<{ logicalAt: number; params: Record<string, unknown>; previousRunId: string }>;
}

export interface BackfillRetried {
  /** Runs made by this call; slots retried already by an earlier call are left out. */
  runIds: string[];
}

export type DispatchClaim = { ok: true; claimId: string; claimedAt: number; context: DispatchContext } | { ok: false; reason: "done" | "busy" | "stale" };

export interface DispatchContext {
  runId: string;
  /** `prod` unless the run was started for another environment (CI, dev). */
  environment: string;
  pipelineName: string;
  teamId: string;
  taskKey: string;
  attempt: number;
  connector: string;
  connection: string | null;
  /** The task's `with`, its `${{ … }}` templates resolved. */
  with: Record<string, unknown>;
  /** A template without a value (`with.model: …`): the attempt fails with this instead of calling the tool. */
  inputProblem?: string;
  params: Record<string, unknown>;
  handle: RunState["tasks"][string]["handle"];
  /** Set when this trigger is the tool's own partial rerun of the failed tool run of the attempt before. */
  rerun?: NativeRerun;
  /** A trigger claimed again after an earlier delivery's lease ran out: that delivery may have reached the tool. */
  resubmission: boolean;
}

/** A connector's answer to a claimed dispatch, or a callback, for one task attempt. */
export interface OutcomeReport {
  tenantId: string;
  /** Applied once: a repeated report with the same id changes nothing. */
  eventId: string;
  claimId?: string;
  runId: string;
  taskKey: string;
  attempt: number;
  outcome: TaskOutcome;
  source: "trigger" | "poll" | "webhook";
  startedAt?: number;
}

/** A verified tool webhook about the tool's run `externalId`, received on connection `connectionId`. */
export interface WebhookReport {
  tenantId: string;
  connector: string;
  connectionId: string;
  externalId: string;
  deliveryId: string;
  outcome: TaskOutcome;
}

/** The task a webhook was applied to, or null when it was parked until a task learns its external id. */
export interface WebhookMatch {
  matched: { runId: string; taskKey: string } | null;
}

/** One dataset trigger of a pipeline: per dataset, its write not yet used by a run (`pendingAt`) and the last used. */
export interface DatasetTriggerState {
  index: number;
  datasets: Array<{ datasetId: string; pendingAt: number | null; consumedAt: number | null }>;
}

/** A pool as the engine sees it now: slots held by running attempts and attempts waiting for slots. */
export interface PoolUse {
  name: string;
  inUse: number;
  waiting: number;
}

/** One attempt in a pool's line: holding its slots, or waiting for them. */
export interface PoolAttempt {
  runId: string;
  /** The run's pipeline (null should the run be gone while its row is not). */
  pipeline: string | null;
  taskKey: string;
  attempt: number;
  slots: number;
}

/** A pool's use with the attempts behind it: those holding slots, and those waiting in the order they will start. */
export interface PoolLine extends PoolUse {
  holders: PoolAttempt[];
  waiters: PoolAttempt[];
}

/**
 * The RPC surface of `TenantRuns`. Every method names the tenant it acts for (the object checks it is its own) and
 * answers a `DoResult`: unwrap it with `unwrap` (durable/result.ts), which turns a failure back into its ApiError.
 */
export interface TenantRunsApi extends Rpc.DurableObjectBranded {
  createRun(input: CreateRunInput): Promise<DoResult<RunSummary>>;
  cancelRun(tenantId: string, runId: string, reason: string): Promise<DoResult<RunSummary>>;
  retryRun(tenantId: string, runId: string): Promise<DoResult<RunSummary>>;
  createBackfill(input: BackfillInput): Promise<DoResult<BackfillCreated>>;
  /** Pause, resume or cancel a backfill (runs/backfills.ts); a cancelled one refuses the others. */
  controlBackfill(input: BackfillControlInput): Promise<DoResult<BackfillControlled>>;
  /** A new run for each of the given failed slots, under the backfill's parallelism. */
  retryBackfill(input: BackfillRetryInput): Promise<DoResult<BackfillRetried>>;
  /** Re-reads a pipeline from D1 after a push, pause, resume or archive and reschedules it. */
  syncPipeline(tenantId: string, pipelineId: string): Promise<DoResult<void>>;
  /**
   * A dispatch message asks to act; only one delivery per (run, task, attempt, op, seq) may. `messageId`: the queue
   * message delivering it, so that a later delivery of the same message takes over the claim its earlier delivery
   * left behind instead of waiting out the lease.
   */
  claimDispatch(msg: DispatchMessage, messageId?: string | null): Promise<DoResult<DispatchClaim>>;
  reportOutcome(input: OutcomeReport): Promise<DoResult<void>>;
  reportWebhook(input: WebhookReport): Promise<DoResult<WebhookMatch>>;
  /**
   * Datasets whose last write moved forward (worker/lineage/dataset-updates.ts): dataset triggers watching them may
   * start runs. Repeated or older updates change nothing.
   */
  datasetsUpdated(tenantId: string, updates: DatasetUpdate[]): Promise<DoResult<{ fired: number }>>;
  datasetTriggerState(tenantId: string, pipelineId: string): Promise<DoResult<DatasetTriggerState[]>>;
  /** Marks a claimed dispatch that reports no outcome (cancel) as done. */
  completeDispatch(tenantId: string, claimId: string): Promise<DoResult<void>>;
  /** Gives a claim up after a failure on our side, so the queue's retry can claim it at once (as a resubmission). */
  releaseDispatch(tenantId: string, claimId: string): Promise<DoResult<void>>;
  /** A dispatch message that exhausted its queue retries: the attempt fails (and may retry per policy). */
  dispatchDeadLettered(tenantId: string, msg: DispatchMessage): Promise<DoResult<void>>;
  /** The engine's state of a run it still holds (finished runs leave after 14 days), else null. */
  getRunState(tenantId: string, runId: string): Promise<DoResult<RunState | null>>;
  /**
   * A one-off timer for other parts of Tutti (freshness deadlines, alert escalation): when due, an
   * `engine.watch_due` signal with `payload` goes to the notify queue. Same key → replaced.
   */
  setWatch(tenantId: string, key: string, dueAt: number, payload: Record<string, unknown>): Promise<DoResult<void>>;
  clearWatch(tenantId: string, key: string): Promise<DoResult<void>>;
  /**
   * The engine watchdog's visit: re-arms an alarm the runtime lost (work overdue past the grace) and delivers what the
   * outbox holds. `revived` says whether the alarm had to be set again.
   */
  wake(tenantId: string): Promise<DoResult<{ revived: boolean }>>;
  /**
   * Re-reads the tenant's pools from D1 after a create, resize or delete (runs/pools.ts), starts the attempts that now
   * fit, and answers each pool's use.
   */
  refreshPools(tenantId: string): Promise<DoResult<PoolUse[]>>;
  /** Each pool's use (pools without any attempt are left out). */
  poolUsage(tenantId: string): Promise<DoResult<PoolUse[]>>;
  /** One pool's use and the attempts holding or waiting for its slots (empty for a pool without any). */
  poolLine(tenantId: string, name: string): Promise<DoResult<PoolLine>>;
  /** Deletes all the object's storage and its alarm, for the deletion of its tenant; later calls are refused. */
  wipe(tenantId: string): Promise<DoResult<void>>;
  /** Gives the tenant its retention timer when it has none; `soon` brings the next pass forward (runs/retention.ts). */
  armRetention(tenantId: string, soon: boolean): Promise<DoResult<void>>;
  /**
   * Sets the connection's cost collector timer `delayMs` from the object's clock, or removes it with null
   * (runs/collectors.ts). Answers the time the timer is due.
   */
  armCollector(tenantId: string, connectionId: string, delayMs: number | null): Promise<DoResult<number | null>>;
  /**
   * A person asks for the collector's pass now (runs/collectors.ts requestPass): the queued or running pass
   * (`joined`), a new pass queued for the alarm, or, within the cool-down of the last ask, when to ask again.
   */
  requestCollectorPass(tenantId: string, connectionId: string): Promise<DoResult<PassRequest>>;
  /** Every collector's queued or running pass. */
  collectorPasses(tenantId: string): Promise<DoResult<CollectorPass[]>>;
}
