import { DurableObject } from "cloudflare:workers";
import { createDb, tenantCtx } from "../db/client";
import { writeRunSnapshots, type RunSnapshot } from "../db/repo/runs";
import { admit, admitChain, promotable } from "../engine/admission";
import { nextSlot, slotsBetween } from "../engine/cron";
import { planFromSpec } from "../engine/plan";
import { isTerminalRun } from "../engine/states";
import { InvalidTransition, newRunState, transition } from "../engine/transition";
import type { EngineEvent, LogEntry, RunState } from "../engine/types";
import type { Env } from "../env";
import { ApiError, type ErrorCode } from "../lib/errors";
import { newId } from "../lib/ids";
import { systemClock, wallNow, type Clock } from "../lib/time";
import { performDispatch } from "../queues/dispatch";
import type { DispatchMessage } from "../queues/messages";
import type { EngineSignal } from "../queues/signals";
import { loadPipelineForRun, type LoadedPipeline } from "./pipeline-source";
import type { PipelineEntry, RunMeta } from "./run-meta";
import { buildSnapshot } from "./snapshot";
import { RunStore, type RunRow } from "./storage";
import type { TimerEvent } from "./timer-events";
import type { TaskOutcome } from "../connectors/types";
import type { RunCiContext } from "../db/schema/runs";

/** Finished runs stay in the DO this long so they can be retried from failure; D1 keeps them forever. */
const KEEP_FINISHED_MS = 14 * 86_400_000;
/** Default of DISPATCH_LEASE_SECONDS: well above the connectors' own 30 s call timeouts. */
const DISPATCH_LEASE_MS = 120_000;
const ALARM_BATCH = 200;
const HOUSEKEEPING_KEY = "housekeeping";

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

/** RPC loses error classes, so expected failures travel as values and become ApiErrors in the Worker. */
export type DoResult<T> = { ok: true; value: T } | { ok: false; code: ErrorCode; message: string };

async function guard<T>(fn: () => Promise<T>): Promise<DoResult<T>> {
  try {
    return { ok: true, value: await fn() };
  } catch (err) {
    if (err instanceof ApiError) return { ok: false, code: err.code, message: err.message };
    if (err instanceof InvalidTransition) return { ok: false, code: "conflict", message: err.message };
    throw err;
  }
}

export interface RunSummary {
  id: string;
  status: string;
  deduplicated: boolean;
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
  with: Record<string, unknown>;
  params: Record<string, unknown>;
  handle: RunState["tasks"][string]["handle"];
  /** A trigger claimed again after an earlier delivery's lease ran out: that delivery may have reached the tool. */
  resubmission: boolean;
}

/** One claim per run, task, attempt, operation and poll sequence: every copy of a dispatch names the same one. */
const claimIdOf = (msg: DispatchMessage) => `${msg.runId}:${msg.taskKey}:${msg.attempt}:${msg.op}:${msg.seq}`;

const minOf = (a: number | null, b: number | null) => (a === null ? b : b === null ? a : Math.min(a, b));

/** One run per pipeline and cron slot, however often the slot's alarm fires. */
const cronRunKey = (pipelineId: string, slotAt: number) => `cron:${pipelineId}:${slotAt}`;

/**
 * One per tenant. Owns every unfinished run, the schedule table and the timers; the alarm is always
 * the earliest timer. Each change: apply the pure transition, persist state + timers + outbox in one
 * synchronous block, then perform the outbox (queue sends, D1 write-through) and re-arm the alarm.
 */
export class TenantRuns extends DurableObject<Env> {
  clock: Clock = systemClock;
  private readonly store: RunStore;
  private flushing: Promise<void> | null = null;
  private flushAgain = false;
  /** Outbox ids of the dispatches this object is performing itself (DISPATCH_MODE=inline). */
  private readonly inflight = new Set<number>();

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    this.store = new RunStore(ctx.storage.sql);
    ctx.storage.sql.exec("CREATE TABLE IF NOT EXISTS settings (key TEXT PRIMARY KEY, value TEXT NOT NULL)");
  }

  // ---- RPC: runs -------------------------------------------------------------------------------

  async createRun(input: CreateRunInput): Promise<DoResult<RunSummary>> {
    return guard(async () => {
      this.rememberTenant(input.tenantId);
      if (input.dedupeKey) {
        const existing = this.store.findRunByDedupeKey(input.dedupeKey);
        if (existing) return { id: existing.id, status: existing.state.status, deduplicated: true };
      }
      const loaded = await loadPipelineForRun(this.env, input.tenantId, input.pipelineId, input.environment);
      const summary = this.createRunSync(input, loaded, null);
      await this.settle();
      return summary;
    });
  }

  async cancelRun(tenantId: string, runId: string, reason: string): Promise<DoResult<RunSummary>> {
    return guard(async () => {
      this.rememberTenant(tenantId);
      const row = this.requireRun(runId);
      if (isTerminalRun(row.state.status)) throw new ApiError("conflict", `run is already ${row.state.status}`);
      this.applySync(runId, `cancel:${runId}`, { type: "run.cancel", reason });
      await this.settle();
      return this.summary(runId);
    });
  }

  async retryRun(tenantId: string, runId: string): Promise<DoResult<RunSummary>> {
    return guard(async () => {
      this.rememberTenant(tenantId);
      const row = this.requireRun(runId);
      this.applySync(runId, `retry:${runId}:${row.state.attempt + 1}`, { type: "run.retry" });
      await this.settle();
      return this.summary(runId);
    });
  }

  async createBackfill(input: {
    tenantId: string;
    pipelineId: string;
    backfillId: string;
    from: number;
    to: number;
    parallelism: number;
    by: string;
    params?: Record<string, unknown>;
  }) {
    return guard(() => this.createBackfillInner(input));
  }

  private async createBackfillInner(input: {
    tenantId: string;
    pipelineId: string;
    backfillId: string;
    from: number;
    to: number;
    parallelism: number;
    by: string;
    params?: Record<string, unknown>;
  }) {
    this.rememberTenant(input.tenantId);
    const loaded = await loadPipelineForRun(this.env, input.tenantId, input.pipelineId);
    const schedule = loaded.spec.schedule;
    if (!schedule) throw new ApiError("validation_failed", "pipeline has no schedule to backfill", [{ path: "pipeline", message: "has no schedule" }]);
    const slots = slotsBetween(schedule.cron, schedule.timezone, input.from, input.to, 1000);
    const runIds: string[] = [];
    for (const slot of slots) {
      const s = this.createRunSync(
        {
          tenantId: input.tenantId,
          pipelineId: input.pipelineId,
          trigger: { kind: "backfill", by: input.by, ref: input.backfillId },
          params: input.params,
          dedupeKey: `backfill:${input.backfillId}:${slot}`,
          logicalAt: slot,
        },
        loaded,
        { id: input.backfillId, limit: input.parallelism },
      );
      runIds.push(s.id);
    }
    this.promote(input.pipelineId);
    await this.settle();
    return { backfillId: input.backfillId, runIds, slots };
  }

  /** Re-reads a pipeline from D1 after a push, pause, resume or archive and reschedules it. */
  async syncPipeline(tenantId: string, pipelineId: string): Promise<void> {
    this.rememberTenant(tenantId);
    const loaded = await loadPipelineForRun(this.env, tenantId, pipelineId).catch((err) => {
      if (err instanceof ApiError && err.code === "not_found") return null;
      throw err;
    });
    if (!loaded || loaded.archived) {
      this.store.deletePipeline(pipelineId);
      this.store.clearTimer(`cron:${pipelineId}`);
      this.store.clearTimer(`sla:${pipelineId}`);
    } else {
      const entry = this.entryFrom(loaded);
      this.store.putPipeline(entry);
      this.schedulePipeline(entry);
    }
    await this.settle();
  }

  // ---- RPC: dispatch consumer -----------------------------------------------------------------

  /** A dispatch message asks to act; only one delivery per (run, task, attempt, op, seq) may. */
  async claimDispatch(msg: DispatchMessage): Promise<DispatchClaim> {
    const claimId = claimIdOf(msg);
    const row = this.store.getRun(msg.runId);
    const task = row?.state.tasks[msg.taskKey];
    const valid =
      !!row &&
      !!task &&
      task.attempt === msg.attempt &&
      (msg.op === "cancel" ||
        (msg.op === "trigger" && task.status === "queued" && row.state.status === "running") ||
        (msg.op === "poll" && (task.status === "triggered" || task.status === "running") && task.pollSeq === msg.seq));
    if (!row || !task || !valid) {
      this.store.settleDispatch(claimId);
      return { ok: false, reason: "stale" };
    }
    const now = this.clock.now();
    const claim = this.store.claim(claimId, now, this.leaseMs());
    if (claim === "done") this.store.settleDispatch(claimId);
    if (claim === "busy" || claim === "done") return { ok: false, reason: claim };
    // Should this holder vanish mid-call, the dispatch is sent again once its lease is over.
    this.store.trackDispatch(claimId, msg, now + this.leaseMs());
    const spec = row.meta.tasks.find((t) => t.id === msg.taskKey)!;
    return {
      ok: true,
      claimId,
      claimedAt: this.clock.now(),
      context: {
        runId: row.id,
        environment: row.meta.environment,
        pipelineName: row.meta.pipelineName,
        teamId: row.meta.teamId,
        taskKey: msg.taskKey,
        attempt: msg.attempt,
        connector: spec.connector,
        connection: spec.connection,
        with: spec.with,
        params: row.meta.params,
        handle: task.handle,
        resubmission: msg.op === "trigger" && claim === "reclaimed",
      },
    };
  }

  /** The connector's answer to a claimed dispatch (or a verified webhook) becomes an engine event. */
  async reportOutcome(input: {
    tenantId: string;
    eventId: string;
    claimId?: string;
    runId: string;
    taskKey: string;
    attempt: number;
    outcome: TaskOutcome;
    source: "trigger" | "poll" | "webhook";
    startedAt?: number;
  }) {
    this.rememberTenant(input.tenantId);
    if (input.claimId) this.store.completeClaim(input.claimId, this.clock.now());
    const event: EngineEvent = {
      type: "task.outcome",
      key: input.taskKey,
      attempt: input.attempt,
      outcome: input.outcome,
      source: input.source,
      startedAt: input.startedAt,
    };
    if (this.store.getRun(input.runId)) this.applySync(input.runId, input.eventId, event);
    await this.settle();
  }

  /**
   * A verified tool webhook about the tool's run `externalId`. Applied to the task that has that id;
   * parked when none has it yet (the webhook beat the trigger response) and applied once one does.
   * Returns what happened so the receiver can record it.
   */
  async reportWebhook(input: {
    tenantId: string;
    connector: string;
    connectionId: string;
    externalId: string;
    deliveryId: string;
    outcome: TaskOutcome;
  }): Promise<{ matched: { runId: string; taskKey: string } | null }> {
    this.rememberTenant(input.tenantId);
    const target = this.store.findActiveTaskByExternalId(input.connectionId, input.externalId);
    if (!target) {
      this.store.parkWebhook(input.connectionId, input.externalId, input.deliveryId, input.outcome, this.clock.now());
      return { matched: null };
    }
    this.applySync(target.runId, `webhook:${input.connector}:${input.deliveryId}`, {
      type: "task.outcome",
      key: target.taskKey,
      attempt: target.attempt,
      outcome: input.outcome,
      source: "webhook",
    });
    await this.settle();
    return { matched: { runId: target.runId, taskKey: target.taskKey } };
  }

  /** Marks a claimed dispatch that reports no outcome (cancel) as done. */
  async completeDispatch(tenantId: string, claimId: string) {
    this.rememberTenant(tenantId);
    this.store.completeClaim(claimId, this.clock.now());
  }

  /** A dispatch message that exhausted its queue retries: the attempt fails (and may retry per policy). */
  async dispatchDeadLettered(tenantId: string, msg: DispatchMessage) {
    this.rememberTenant(tenantId);
    this.store.settleDispatch(claimIdOf(msg));
    if (msg.op === "cancel" || !this.store.getRun(msg.runId)) return;
    this.applySync(msg.runId, `dead:${msg.runId}:${msg.taskKey}:${msg.attempt}:${msg.op}:${msg.seq}`, {
      type: "task.dispatch_failed",
      key: msg.taskKey,
      attempt: msg.attempt,
      message: `could not ${msg.op} the task: dispatch failed after all queue retries`,
    });
    await this.settle();
  }

  async getRunState(runId: string): Promise<RunState | null> {
    return this.store.getRun(runId)?.state ?? null;
  }

  /**
   * A one-off timer for other parts of Tutti (freshness deadlines, alert escalation): when due, an
   * `engine.watch_due` signal with `payload` goes to the notify queue. Same key → replaced.
   */
  async setWatch(tenantId: string, key: string, dueAt: number, payload: Record<string, unknown>) {
    this.rememberTenant(tenantId);
    this.store.setTimer(`watch:${key}`, dueAt, { type: "watch", key, payload }, null);
    await this.armAlarm();
  }

  async clearWatch(tenantId: string, key: string) {
    this.rememberTenant(tenantId);
    this.store.clearTimer(`watch:${key}`);
    await this.armAlarm();
  }

  // ---- alarm ---------------------------------------------------------------------------------

  override async alarm(): Promise<void> {
    const now = this.clock.now();
    const due = this.store.dueTimers(now, ALARM_BATCH);
    const cronSlots: Array<{ pipelineId: string; slotAt: number }> = [];
    for (const timer of due) {
      // Delete first: the event may set a timer with the same key (the next poll); a repeated alarm finds nothing.
      this.store.clearTimer(timer.key);
      if (timer.event.type === "cron") {
        if (this.armNextSlot(timer.event.pipelineId, timer.event.slotAt)) cronSlots.push(timer.event);
        continue;
      }
      await this.fireTimer(timer.event, `timer:${timer.key}:${timer.dueAt}`);
    }
    await this.fireCronSlots(cronSlots);
    this.resendUnsettledDispatches(now);
    await this.settle();
  }

  /** Dispatches whose message or claim holder vanished (lease over, never completed) go out again; the claim keeps it to one call at a time. */
  private resendUnsettledDispatches(now: number) {
    for (const due of this.store.dueDispatches(now, ALARM_BATCH)) {
      this.store.enqueue({ kind: "dispatch", payload: due.payload });
      this.store.trackDispatch(due.claimId, due.payload, now + this.leaseMs());
    }
  }

  /** How long a claimed tool call may take before its dispatch is sent again (DISPATCH_LEASE_SECONDS). */
  private leaseMs(): number {
    const seconds = Number(this.env.DISPATCH_LEASE_SECONDS);
    return Number.isFinite(seconds) && seconds > 0 ? seconds * 1000 : DISPATCH_LEASE_MS;
  }

  private async fireTimer(event: Exclude<TimerEvent, { type: "cron" }>, eventId: string) {
    switch (event.type) {
      case "engine":
        if (this.store.getRun(event.runId)) this.applySync(event.runId, eventId, event.event);
        return;
      case "sla":
        this.checkSla(event.pipelineId, event.deadlineAt);
        return;
      case "watch":
        this.signal({
          type: "engine.watch_due",
          tenantId: this.tenantId(),
          key: event.key,
          dueAt: this.clock.now(),
          payload: event.payload,
          at: this.clock.now(),
        });
        return;
      case "housekeeping":
        this.store.purgeFinishedBefore(this.clock.now() - KEEP_FINISHED_MS);
        this.store.setTimer(HOUSEKEEPING_KEY, this.clock.now() + 86_400_000, { type: "housekeeping" }, null);
        return;
      default: {
        const never: never = event;
        throw new Error(`unknown timer ${(never as { type: string }).type}`);
      }
    }
  }

  /**
   * Arms a scheduled pipeline's next slot, before this slot's run is created so a failure creating it never stops
   * the schedule. True when this slot should still fire (the pipeline is scheduled and active, the slot not yet run).
   */
  private armNextSlot(pipelineId: string, slotAt: number): boolean {
    const entry = this.store.getPipeline(pipelineId);
    if (!entry || entry.paused || !entry.schedule) return false;
    const next = nextSlot(entry.schedule.cron, entry.schedule.timezone, Math.max(slotAt, this.clock.now()));
    if (next !== null) this.store.setTimer(`cron:${pipelineId}`, next, { type: "cron", pipelineId, slotAt: next }, null);
    return !this.store.findRunByDedupeKey(cronRunKey(pipelineId, slotAt));
  }

  /** Creates the runs of the slots due together (pipelines not yet kept in the object are read from D1 side by side). */
  private async fireCronSlots(slots: Array<{ pipelineId: string; slotAt: number }>) {
    if (!slots.length) return;
    const tenantId = this.tenantId();
    const loaded = await Promise.allSettled(slots.map((s) => this.productionPipeline(s.pipelineId)));
    slots.forEach((slot, i) => {
      const result = loaded[i];
      if (result.status === "rejected") {
        console.error(
          JSON.stringify({
            level: "error",
            msg: "scheduled run not created",
            pipeline: slot.pipelineId,
            slot: new Date(slot.slotAt).toISOString(),
            error: String(result.reason),
          }),
        );
        return;
      }
      // The dedupe key makes a slot that another alarm created meanwhile a no-op.
      const trigger = { kind: "cron" as const, by: null, ref: new Date(slot.slotAt).toISOString() };
      this.createRunSync(
        { tenantId, pipelineId: slot.pipelineId, trigger, dedupeKey: cronRunKey(slot.pipelineId, slot.slotAt), logicalAt: slot.slotAt },
        result.value,
        null,
      );
    });
  }

  // ---- internals -----------------------------------------------------------------------------

  private rememberTenant(tenantId: string) {
    this.ctx.storage.sql.exec("INSERT OR IGNORE INTO settings (key, value) VALUES ('tenant_id', ?)", tenantId);
  }

  private tenantId(): string {
    const row = this.ctx.storage.sql.exec("SELECT value FROM settings WHERE key = 'tenant_id'").toArray()[0];
    if (!row) throw new Error("TenantRuns used before it learned its tenant");
    return row.value as string;
  }

  private requireRun(runId: string): RunRow {
    const row = this.store.getRun(runId);
    if (!row) throw new ApiError("conflict", "this run is no longer held by the engine (finished runs can be changed for 14 days)");
    return row;
  }

  private summary(runId: string): RunSummary {
    const row = this.requireRun(runId);
    return { id: row.id, status: row.state.status, deduplicated: false };
  }

  private entryFrom(loaded: LoadedPipeline): PipelineEntry {
    return {
      id: loaded.pipelineId,
      name: loaded.name,
      teamId: loaded.teamId,
      paused: loaded.paused,
      schedule: loaded.spec.schedule,
      triggers: loaded.spec.triggers,
      concurrency: loaded.spec.concurrency,
      sla: loaded.spec.sla,
      run: loaded,
    };
  }

  /** The production version a schedule or `after:` trigger starts: the copy syncPipeline keeps, else D1's. */
  private async productionPipeline(pipelineId: string): Promise<LoadedPipeline> {
    return this.store.getPipeline(pipelineId)?.run ?? (await loadPipelineForRun(this.env, this.tenantId(), pipelineId));
  }

  /** At each finish_by deadline: did a production run of the pipeline succeed in the 24 h before it? */
  private checkSla(pipelineId: string, deadlineAt: number) {
    const entry = this.store.getPipeline(pipelineId);
    if (!entry?.sla) return;
    const lastSuccessAt = this.store.lastSuccessBetween(pipelineId, deadlineAt - 86_400_000, deadlineAt);
    this.signal({
      type: "engine.sla_checked",
      tenantId: this.tenantId(),
      pipelineId,
      pipelineName: entry.name,
      teamId: entry.teamId,
      deadlineAt,
      finishBy: entry.sla.finish_by,
      timezone: entry.sla.timezone,
      met: lastSuccessAt !== null,
      lastSuccessAt,
      at: this.clock.now(),
    });
    this.scheduleSla(entry, deadlineAt);
  }

  private scheduleSla(entry: PipelineEntry, after: number) {
    const key = `sla:${entry.id}`;
    if (entry.paused || !entry.sla) {
      this.store.clearTimer(key);
      return;
    }
    const [hh, mm] = entry.sla.finish_by.split(":").map(Number);
    const next = nextSlot(`${mm} ${hh} * * *`, entry.sla.timezone, after);
    if (next === null) this.store.clearTimer(key);
    else this.store.setTimer(key, next, { type: "sla", pipelineId: entry.id, deadlineAt: next }, null);
  }

  private schedulePipeline(entry: PipelineEntry) {
    this.scheduleSla(entry, this.clock.now());
    const key = `cron:${entry.id}`;
    if (entry.paused || !entry.schedule) {
      this.store.clearTimer(key);
      return;
    }
    const next = nextSlot(entry.schedule.cron, entry.schedule.timezone, this.clock.now());
    const current = this.store.getTimer(key);
    // Keep an already-armed slot when the schedule did not move it: re-pushing must not skip or duplicate a slot.
    if (next === null) this.store.clearTimer(key);
    else if (!current || current.dueAt !== next) this.store.setTimer(key, next, { type: "cron", pipelineId: entry.id, slotAt: next }, null);
    if (!this.store.getTimer(HOUSEKEEPING_KEY)) this.store.setTimer(HOUSEKEEPING_KEY, this.clock.now() + 86_400_000, { type: "housekeeping" }, null);
  }

  /** Creates a run and applies the concurrency policy; synchronous so dedupe check and insert cannot interleave. */
  private createRunSync(input: CreateRunInput, loaded: LoadedPipeline, group: { id: string; limit: number } | null): RunSummary {
    if (input.dedupeKey) {
      const existing = this.store.findRunByDedupeKey(input.dedupeKey);
      if (existing) return { id: existing.id, status: existing.state.status, deduplicated: true };
    }
    if (loaded.archived) throw new ApiError("conflict", "pipeline is archived");
    const now = this.clock.now();
    const runId = newId("run");
    const spec = loaded.spec;
    const meta: RunMeta = {
      tenantId: input.tenantId,
      pipelineId: loaded.pipelineId,
      pipelineName: loaded.name,
      teamId: loaded.teamId,
      versionId: loaded.versionId,
      version: loaded.version,
      trigger: input.trigger,
      params: { ...spec.params, ...(input.params ?? {}) },
      logicalAt: input.logicalAt ?? null,
      backfillId: group?.id ?? null,
      environment: input.environment ?? "prod",
      ci: input.ci ?? null,
      tasks: spec.tasks.map((t) => ({ id: t.id, connector: t.connector, connection: t.connection, with: t.with, depends_on: t.depends_on })),
      concurrency: spec.concurrency,
      chainDepth: input.chainDepth ?? 0,
    };
    const state = newRunState(runId, planFromSpec(spec), spec.timeout_ms, now);
    // Environments do not compete: a CI run never delays or skips a production run.
    const environment = input.environment ?? "prod";
    const active = this.store
      .activeRuns(loaded.pipelineId)
      .filter((r) => r.meta.environment === environment)
      .map((r) => ({
        id: r.id,
        status: r.state.status as "queued" | "running",
        queuedAt: r.queuedAt,
        groupId: r.groupId,
        groupLimit: r.groupLimit,
      }));
    const tooDeep = admitChain(meta.chainDepth ?? 0);
    if (tooDeep)
      console.warn(
        JSON.stringify({
          level: "warn",
          msg: "upstream trigger chain too deep; run skipped",
          run: runId,
          pipeline: loaded.name,
          depth: meta.chainDepth,
          upstream_run: input.trigger.ref,
        }),
      );
    const decision = tooDeep ?? admit(spec.concurrency, active, group?.id ?? null);
    this.store.insertRun(
      {
        id: runId,
        pipelineId: loaded.pipelineId,
        status: "queued",
        groupId: group?.id ?? null,
        groupLimit: group?.limit ?? null,
        queuedAt: now,
        seq: 0,
        state,
        meta,
      },
      input.dedupeKey ?? null,
    );
    const created = buildSnapshot(
      meta,
      null,
      state,
      [{ taskKey: null, from: "none", to: "queued", reason: `triggered (${input.trigger.kind})` }],
      0,
      `create:${runId}`,
      now,
    );
    this.store.saveRun(runId, state, created.seq);
    this.store.enqueue({ kind: "d1", payload: created.snapshot });
    switch (decision.action) {
      case "start":
        this.applySync(runId, `start:${runId}`, { type: "run.start" });
        break;
      case "queue":
        if (!group) this.promote(loaded.pipelineId);
        break;
      case "skip":
        this.applySync(runId, `skip:${runId}`, { type: "run.skip", reason: decision.reason });
        break;
      case "cancel_previous":
        for (const id of decision.cancel) this.applySync(id, `cancel:${id}`, { type: "run.cancel", reason: `cancelled by newer run ${runId}` });
        this.applySync(runId, `start:${runId}`, { type: "run.start" });
        break;
    }
    return { id: runId, status: this.store.getRun(runId)!.state.status, deduplicated: false };
  }

  /**
   * Applies one event to one run exactly once: transition, persist, record timers and outbox.
   * Follow-ups of a finished run (promotion, downstream pipelines) happen here too.
   */
  private applySync(runId: string, eventId: string, event: EngineEvent) {
    if (this.store.wasApplied(eventId)) return;
    const row = this.store.getRun(runId);
    if (!row) return;
    const now = this.clock.now();
    const result = transition(row.state, event, { now, random: Math.random });
    this.store.markApplied(eventId, now);
    if (!result.changed) return;
    const built = buildSnapshot(row.meta, row.state, result.state, result.log, row.seq, eventId, now);
    this.store.saveRun(runId, result.state, built.seq);
    this.store.enqueue({ kind: "d1", payload: built.snapshot });
    let finished = false;
    for (const effect of result.effects) {
      switch (effect.type) {
        case "dispatch": {
          const payload: DispatchMessage = { tenantId: row.meta.tenantId, runId, taskKey: effect.key, attempt: effect.attempt, op: effect.op, seq: effect.seq };
          this.store.enqueue({ kind: "dispatch", payload });
          this.store.trackDispatch(claimIdOf(payload), payload, now + this.leaseMs());
          break;
        }
        case "timer.set":
          this.store.setTimer(effect.timerKey, effect.dueAt, { type: "engine", runId, event: effect.event }, runId);
          break;
        case "timer.clear":
          this.store.clearTimer(effect.timerKey);
          break;
        case "run.finished":
          finished = true;
          break;
        default: {
          const never: never = effect;
          throw new Error(`unknown effect ${(never as { type: string }).type}`);
        }
      }
    }
    this.emitSignals(row, result.state, result.log, now);
    this.applyParkedWebhooks(row, result.state);
    if (finished) this.afterRunFinished(row, result.state);
  }

  /** Failures and run ends go to the `notify` queue, where alerting picks them up. */
  private emitSignals(row: RunRow, state: RunState, log: LogEntry[], now: number) {
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
          this.signal({ type: "engine.run_finished", ...base, status: entry.to, reason: state.reason, triggerKind: row.meta.trigger.kind, failedTasks });
        }
      } else if (entry.to === "failed" || entry.to === "timed_out") {
        const task = state.tasks[entry.taskKey];
        const plan = state.plan.find((p) => p.key === entry.taskKey);
        this.signal({
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

  private signal(signal: EngineSignal) {
    this.store.enqueue({ kind: "notify", payload: signal });
  }

  /** Webhooks that arrived before their task knew its external id are applied as soon as it does. */
  private applyParkedWebhooks(row: RunRow, state: RunState) {
    for (const task of Object.values(state.tasks)) {
      const externalId = task.handle?.externalId;
      const connectionId = task.handle?.connectionId;
      if (!externalId || !connectionId || row.state.tasks[task.key]?.handle?.externalId === externalId) continue;
      const connector = row.meta.tasks.find((t) => t.id === task.key)?.connector;
      if (!connector) continue;
      for (const parked of this.store.takeParkedWebhooks(connectionId, externalId)) {
        this.applySync(row.id, `webhook:${connector}:${parked.deliveryId}`, {
          type: "task.outcome",
          key: task.key,
          attempt: task.attempt,
          outcome: parked.outcome as TaskOutcome,
          source: "webhook",
        });
      }
    }
  }

  private afterRunFinished(row: RunRow, state: RunState) {
    this.promote(row.pipelineId);
    if (state.status === "skipped" || row.meta.environment !== "prod") return;
    const downstream = this.store.downstreamOf(row.meta.pipelineName);
    for (const p of downstream) {
      const trigger = p.triggers.find((t) => t.after === row.meta.pipelineName)!;
      if (trigger.on === "success" && state.status !== "succeeded") continue;
      // Creating the downstream run needs its spec from D1: done after this synchronous block.
      this.pendingUpstream.push({
        pipelineId: p.id,
        dedupeKey: `upstream:${row.id}:${state.attempt}:${p.id}`,
        ref: row.id,
        chainDepth: (row.meta.chainDepth ?? 0) + 1,
      });
    }
  }

  private pendingUpstream: Array<{ pipelineId: string; dedupeKey: string; ref: string; chainDepth: number }> = [];

  /** Starts queued runs of a pipeline that now fit under its concurrency limits. */
  private promote(pipelineId: string) {
    const byEnvironment = new Map<string, RunRow[]>();
    for (const r of this.store.activeRuns(pipelineId)) byEnvironment.set(r.meta.environment, [...(byEnvironment.get(r.meta.environment) ?? []), r]);
    for (const active of byEnvironment.values()) {
      const maxRuns = active[active.length - 1].meta.concurrency.max_runs;
      const ids = promotable(
        maxRuns,
        active.map((r) => ({ id: r.id, status: r.state.status as "queued" | "running", queuedAt: r.queuedAt, groupId: r.groupId, groupLimit: r.groupLimit })),
      );
      for (const id of ids) this.applySync(id, `start:${id}`, { type: "run.start" });
    }
  }

  /** Everything that waits for I/O after a change: downstream runs, outbox delivery, the alarm. */
  private async settle() {
    while (this.pendingUpstream.length) {
      const next = this.pendingUpstream.shift()!;
      const tenantId = this.tenantId();
      try {
        const loaded = await this.productionPipeline(next.pipelineId);
        this.createRunSync(
          {
            tenantId,
            pipelineId: next.pipelineId,
            trigger: { kind: "upstream", by: null, ref: next.ref },
            dedupeKey: next.dedupeKey,
            chainDepth: next.chainDepth,
          },
          loaded,
          null,
        );
      } catch (err) {
        console.error(JSON.stringify({ level: "error", msg: "upstream trigger failed", pipeline: next.pipelineId, error: String(err) }));
      }
    }
    await this.flush();
    await this.armAlarm();
  }

  private async armAlarm() {
    let due = minOf(this.store.earliestTimer(), this.store.earliestDispatchDue());
    if (this.store.outbox(1).length) due = Math.min(due ?? Infinity, this.clock.now() + 5000);
    if (due === null) {
      await this.ctx.storage.deleteAlarm();
      return;
    }
    // Timers use the injected clock; the alarm is wall-clock, so translate the offset.
    const wall = wallNow() + (due - this.clock.now());
    const current = await this.ctx.storage.getAlarm();
    if (current === null || current !== wall) await this.ctx.storage.setAlarm(Math.max(wall, wallNow()));
  }

  /** Starts the dispatch items not already being performed by this object (DISPATCH_MODE=inline). */
  private startInline(items: Array<{ id: number; payload: unknown }>) {
    for (const item of items) {
      if (this.inflight.has(item.id)) continue;
      this.inflight.add(item.id);
      this.ctx.waitUntil(this.dispatchInline(item.id, item.payload as DispatchMessage));
    }
  }

  /**
   * DISPATCH_MODE=inline: the DO calls the connector itself instead of going through the queue, saving a queue
   * round trip per task. It runs beside the flush loop, so the next task never waits for the previous step's D1
   * write-through. The outbox row stays until the outcome is applied, so an eviction mid-call re-dispatches (the
   * claim makes that safe).
   */
  private async dispatchInline(outboxId: number, msg: DispatchMessage) {
    try {
      const claim = await this.claimDispatch(msg);
      if (claim.ok) {
        const outcome = await performDispatch(this.env, msg.tenantId, msg.op, claim.context, (work) => this.ctx.waitUntil(work));
        this.store.completeClaim(claim.claimId, this.clock.now());
        if (outcome && this.store.getRun(msg.runId)) {
          this.applySync(msg.runId, `dispatch:${claim.claimId}`, {
            type: "task.outcome",
            key: msg.taskKey,
            attempt: msg.attempt,
            outcome,
            source: msg.op === "trigger" ? "trigger" : "poll",
            startedAt: claim.claimedAt,
          });
        }
      }
      this.store.removeOutbox([outboxId]);
    } catch (err) {
      // Left in the outbox; the alarm retries in a few seconds.
      console.error(JSON.stringify({ level: "error", msg: "inline dispatch failed", run: msg.runId, task: msg.taskKey, error: String(err) }));
    } finally {
      this.inflight.delete(outboxId);
    }
    // The outcome may have queued the next task: start it at once, then deliver the snapshots behind it.
    this.startInline(this.store.outbox(100, ["dispatch"]));
    await this.settle();
  }

  /** Delivers the outbox: dispatch messages to the queue, snapshots to D1. One delivery at a time, in order. */
  private async flush(): Promise<void> {
    if (this.flushing) {
      this.flushAgain = true;
      await this.flushing;
      // That loop may have ended just before our items were added: take over if any are left.
      if ((this.flushing as Promise<void> | null) || !this.store.outbox(1).length) return;
    }
    const run = this.flushLoop();
    this.flushing = run;
    try {
      await run;
    } finally {
      // The loop may finish synchronously, before `flushing` was even assigned: compare, then clear.
      if (this.flushing === run) this.flushing = null;
    }
  }

  private async flushLoop(): Promise<void> {
    try {
      do {
        this.flushAgain = false;
        const inline = this.env.DISPATCH_MODE === "inline";
        // Inline dispatches are performed beside this loop and leave the outbox when their outcome is applied.
        if (inline) this.startInline(this.store.outbox(100, ["dispatch"]));
        const items = inline ? this.store.outbox(100, ["d1", "notify"]) : this.store.outbox(100);
        if (!items.length) break;
        const dispatches = items.filter((i) => i.kind === "dispatch").map((i) => ({ body: i.payload as DispatchMessage }));
        const snapshots = items.filter((i) => i.kind === "d1").map((i) => i.payload as RunSnapshot);
        const notices = items.filter((i) => i.kind === "notify").map((i) => ({ body: i.payload }));
        await Promise.all([
          snapshots.length ? writeRunSnapshots(tenantCtx(createDb(this.env.DB), this.tenantId()), snapshots) : null,
          dispatches.length ? this.env.DISPATCH.sendBatch(dispatches) : null,
          notices.length ? this.env.NOTIFY.sendBatch(notices) : null,
        ]);
        this.store.removeOutbox(items.map((i) => i.id));
        if (items.length === 100) this.flushAgain = true;
      } while (this.flushAgain);
    } catch (err) {
      // Left in the outbox; the alarm retries in a few seconds.
      console.error(JSON.stringify({ level: "error", msg: "outbox flush failed", error: String(err) }));
    }
  }
}
