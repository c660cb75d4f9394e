import { DurableObject } from "cloudflare:workers";
import { getDeletion } from "../db/repo/platform/tenant-jobs";
import { InvalidTransition } from "../engine/transition";
import type { Env } from "../env";
import { ApiError } from "../lib/errors";
import { systemClock, type Clock } from "../lib/time";
import type { DispatchMessage } from "../queues/messages";
import { migrateRunStorage } from "./migrations";
import { createBackfill, createPendingUpstreamRuns, createRun } from "./runs/admission";
import { controlBackfill, retryBackfill } from "./runs/backfills";
import type {
  BackfillControlInput,
  BackfillInput,
  BackfillRetryInput,
  CreateRunInput,
  DoResult,
  OutcomeReport,
  TenantRunsApi,
  WebhookReport,
} from "./runs/contract";
import { cancelRun, retryRun, runState } from "./runs/control";
import type { RunsCore } from "./runs/core";
import { claimDispatch, completeDispatch, dispatchDeadLettered, queueHolder, releaseDispatch, reportOutcome } from "./runs/dispatch-claims";
import { applyEvent } from "./runs/effects";
import { datasetsUpdated, datasetTriggerState } from "./runs/dataset-triggers";
import type { DatasetUpdate } from "../engine/dataset-triggers";
import { dispatchModeOf, InlineDispatcher } from "./runs/inline-dispatch";
import { OutboxFlusher } from "./runs/outbox";
import { reportWebhook } from "./runs/parked-webhooks";
import { poolLine, poolUsage, refreshPools } from "./runs/pools";
import { adoptPipelines, syncPipeline } from "./runs/scheduling";
import { armCollectorTimer, currentPasses, requestPass } from "./runs/collectors";
import { ensureRetentionTimer, RETENTION_BATCH } from "./runs/retention";
import { ensureZombieDigestTimer } from "./runs/zombie-digest";
import { armAlarm, clearWatch, fireDueTimers, reviveAlarm, setWatch } from "./runs/timers";
import { RunStore } from "./storage";
import { controlDb } from "../db/shards";

/**
 * One per tenant. Owns every unfinished run, the schedule table and the timers; the alarm is always
 * the earliest timer. Each change: apply the pure transition, persist state + timers + outbox in one
 * synchronous block, then perform the outbox (queue sends, D1 write-through) and re-arm the alarm.
 *
 * This class is only the RPC surface (contract: runs/contract.ts); each concern lives in a module of runs/.
 */
export class TenantRuns extends DurableObject<Env> implements TenantRunsApi {
  clock: Clock = systemClock;
  /** Rows one retention pass removes at most; tests set a small batch to see a backlog finish over several alarms. */
  retentionBatch = RETENTION_BATCH;
  private readonly core: RunsCore;
  private readonly outbox: OutboxFlusher;

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    const store = new RunStore(ctx.storage.sql);
    const core: RunsCore = {
      env,
      storage: ctx.storage,
      store,
      instanceId: crypto.randomUUID(),
      now: () => this.clock.now(),
      retentionBatch: () => this.retentionBatch,
      tenantId: () => store.tenantId(),
      waitUntil: (work) => ctx.waitUntil(work),
      apply: (runId, eventId, event) => applyEvent(core, runId, eventId, event),
      settle: (opts) => this.settle(opts),
      pendingUpstream: [],
    };
    this.core = core;
    const mode = dispatchModeOf(env);
    this.outbox = new OutboxFlusher(core, mode === "queue" ? null : new InlineDispatcher(core, mode));
    // Before any call or alarm is delivered, the object's tables reach the current schema version, and an alarm the
    // runtime lost while the object was away is set again (runs/timers.ts reviveAlarm).
    ctx.blockConcurrencyWhile(async () => {
      migrateRunStorage(ctx.storage);
      await reviveAlarm(core);
    });
  }

  // ---- RPC: runs -------------------------------------------------------------------------------

  async createRun(input: CreateRunInput) {
    return this.call(input.tenantId, () => createRun(this.core, input));
  }

  async cancelRun(tenantId: string, runId: string, reason: string) {
    return this.call(tenantId, () => cancelRun(this.core, runId, reason));
  }

  async retryRun(tenantId: string, runId: string) {
    return this.call(tenantId, () => retryRun(this.core, runId));
  }

  async createBackfill(input: BackfillInput) {
    return this.call(input.tenantId, () => createBackfill(this.core, input));
  }

  async controlBackfill(input: BackfillControlInput) {
    return this.call(input.tenantId, () => controlBackfill(this.core, input));
  }

  async retryBackfill(input: BackfillRetryInput) {
    return this.call(input.tenantId, () => retryBackfill(this.core, input));
  }

  async syncPipeline(tenantId: string, pipelineId: string) {
    return this.call(tenantId, () => syncPipeline(this.core, tenantId, pipelineId));
  }

  async getRunState(tenantId: string, runId: string) {
    return this.call(tenantId, () => runState(this.core, runId));
  }

  // ---- RPC: dispatch consumer and tool webhooks ------------------------------------------------

  async claimDispatch(msg: DispatchMessage, messageId: string | null = null) {
    return this.call(msg.tenantId, () => claimDispatch(this.core, msg, messageId === null ? null : queueHolder(messageId)));
  }

  async reportOutcome(input: OutcomeReport) {
    return this.call(input.tenantId, () => reportOutcome(this.core, input));
  }

  async reportWebhook(input: WebhookReport) {
    return this.call(input.tenantId, () => reportWebhook(this.core, input));
  }

  async completeDispatch(tenantId: string, claimId: string) {
    return this.call(tenantId, async () => {
      completeDispatch(this.core, claimId);
      // A completed cancel may have freed pool slots: the attempts granted them are dispatched now.
      await this.settle();
    });
  }

  async releaseDispatch(tenantId: string, claimId: string) {
    return this.call(tenantId, () => releaseDispatch(this.core, claimId));
  }

  async dispatchDeadLettered(tenantId: string, msg: DispatchMessage) {
    return this.call(tenantId, () => dispatchDeadLettered(this.core, msg));
  }

  // ---- RPC: dataset triggers ------------------------------------------------------------------

  async datasetsUpdated(tenantId: string, updates: DatasetUpdate[]) {
    return this.call(tenantId, () => datasetsUpdated(this.core, updates));
  }

  async datasetTriggerState(tenantId: string, pipelineId: string) {
    return this.call(tenantId, () => datasetTriggerState(this.core, pipelineId));
  }

  // ---- RPC: watches for the rest of Tutti ------------------------------------------------------

  async setWatch(tenantId: string, key: string, dueAt: number, payload: Record<string, unknown>) {
    return this.call(tenantId, () => setWatch(this.core, key, dueAt, payload));
  }

  async clearWatch(tenantId: string, key: string) {
    return this.call(tenantId, () => clearWatch(this.core, key));
  }

  // ---- RPC: the engine watchdog -----------------------------------------------------------------

  async wake(tenantId: string) {
    return this.call(tenantId, async () => {
      const revived = await reviveAlarm(this.core);
      // Heals a pool change whose own refresh did not reach the object.
      await refreshPools(this.core);
      // What a failed delivery left behind goes out now rather than at the next alarm.
      if (this.core.store.outbox(1).length) await this.settle();
      return { revived };
    });
  }

  // ---- RPC: pools ------------------------------------------------------------------------------

  async refreshPools(tenantId: string) {
    return this.call(tenantId, async () => {
      await refreshPools(this.core);
      await this.settle();
      return poolUsage(this.core);
    });
  }

  async poolUsage(tenantId: string) {
    return this.call(tenantId, () => poolUsage(this.core));
  }

  async poolLine(tenantId: string, name: string) {
    return this.call(tenantId, () => poolLine(this.core, name));
  }

  // ---- RPC: deletion of the tenant ------------------------------------------------------------

  /**
   * Deletes everything this object stores (runs, schedules, timers, outbox) and its alarm, when its tenant is deleted
   * (worker/tenant-data/delete.ts). Nothing runs for the tenant afterwards: later calls are refused, here and in any
   * later instance, because the tenant's deletion record exists in D1 before this is called (`tenantDeleted`).
   */
  async wipe(tenantId: string): Promise<DoResult<void>> {
    const own = this.core.store.knownTenant();
    if (own !== null && own !== tenantId) throw new Error(`this run engine serves tenant ${own}, not ${tenantId}`);
    await this.ctx.storage.deleteAlarm();
    await this.ctx.storage.deleteAll();
    // Back to the empty schema of a new object, which has learned no tenant: every later call asks D1 and is refused.
    migrateRunStorage(this.ctx.storage);
    return { ok: true, value: undefined };
  }

  // ---- RPC: retention -------------------------------------------------------------------------

  /** Arms the tenant's retention timer (every call does when missing); `soon` brings the next pass forward. */
  async armRetention(tenantId: string, soon: boolean) {
    return this.call(tenantId, async () => {
      if (ensureRetentionTimer(this.core, soon)) await armAlarm(this.core);
    });
  }

  // ---- RPC: cost collectors --------------------------------------------------------------------

  async armCollector(tenantId: string, connectionId: string, delayMs: number | null) {
    return this.call(tenantId, async () => {
      const dueAt = armCollectorTimer(this.core, connectionId, delayMs === null ? null : this.core.now() + delayMs);
      await armAlarm(this.core);
      return dueAt;
    });
  }

  async requestCollectorPass(tenantId: string, connectionId: string) {
    return this.call(tenantId, async () => {
      const answer = requestPass(this.core, connectionId);
      if ("pass" in answer && !answer.joined) await armAlarm(this.core);
      return answer;
    });
  }

  async collectorPasses(tenantId: string) {
    return this.call(tenantId, () => currentPasses(this.core));
  }

  // ---- alarm -----------------------------------------------------------------------------------

  override async alarm(): Promise<void> {
    await fireDueTimers(this.core);
    await this.settle();
  }

  // ---- internals -------------------------------------------------------------------------------

  /**
   * The one way in for every RPC method: checks the call is for this object's tenant (learning it on the first
   * call), then runs it. Expected failures (ApiError, a transition that does not apply) come back as values, since
   * RPC loses error classes; anything else is a bug and throws.
   */
  private async call<T>(tenantId: string, method: () => T | Promise<T>): Promise<DoResult<T>> {
    try {
      const learning = this.core.store.knownTenant() === null;
      if (learning && (await this.tenantDeleted(tenantId))) {
        return { ok: false, code: "not_found", message: "the workspace has been deleted" };
      }
      // Pipelines first, the tenant then: an object whose adoption failed has not learned its tenant and adopts again.
      if (learning) await adoptPipelines(this.core, tenantId);
      this.core.store.checkTenant(tenantId);
      // Every tenant the object serves gets its retention and zombie-digest timers, including those from before them.
      const retention = ensureRetentionTimer(this.core);
      if (ensureZombieDigestTimer(this.core) || retention || learning) await armAlarm(this.core);
      return { ok: true, value: await method() };
    } catch (err) {
      if (err instanceof ApiError) return { ok: false, code: err.code, message: err.message };
      if (err instanceof InvalidTransition) return { ok: false, code: "conflict", message: err.message };
      throw err;
    }
  }

  /**
   * Whether the tenant is being (or has been) deleted. Asked of D1 only while the object has not learned its tenant:
   * that is a new object, or one wiped by its tenant's deletion, which must not take up the tenant again.
   */
  private async tenantDeleted(tenantId: string): Promise<boolean> {
    return (await getDeletion(controlDb(this.env), tenantId)) !== null;
  }

  /** Everything that waits for I/O after a change: downstream runs, outbox delivery, the alarm. */
  private async settle(opts: { holdWriteThrough?: boolean } = {}) {
    await createPendingUpstreamRuns(this.core);
    await this.outbox.flush(opts);
    await armAlarm(this.core);
  }
}
