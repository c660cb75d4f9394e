import type { Env } from "../../env";
import { errorFields, log } from "../../lib/log";
import { wallNow } from "../../lib/time";
import { performDispatch, type DispatchDeferrals } from "../../queues/perform-dispatch";
import type { DispatchMessage } from "../../queues/messages";
import type { OutboxItem } from "../storage";
import type { DispatchContext } from "./contract";
import type { RunsCore } from "./core";
import { claimDispatch, completeDispatch, objectHolder, releaseDispatch } from "./dispatch-claims";

/**
 * Who calls the tools (DISPATCH_MODE):
 * - `hybrid` (default): the object triggers tasks (and pokes sensors) itself, and sends to the dispatch queue what would
 *   hold it up — calls beyond HYBRID_MAX_IN_FLIGHT at once, calls on a connection that answered slowly, a call
 *   that failed on our side (the queue's retries and dead-letter queue then apply), other polls and cancels;
 * - `queue`: everything goes through the dispatch queue;
 * - `inline`: the object performs everything itself; a call that fails on our side waits for the alarm.
 */
export type DispatchMode = "hybrid" | "queue" | "inline";

export function dispatchModeOf(env: Env): DispatchMode {
  return env.DISPATCH_MODE === "queue" || env.DISPATCH_MODE === "inline" ? env.DISPATCH_MODE : "hybrid";
}

/**
 * Tool calls the object makes at once in `hybrid` mode. A Durable Object keeps about six outgoing connections open
 * per invocation and queues the rest, so more calls would wait behind each other; the queue spreads them over
 * consumer invocations instead. Four leave room for the object's D1 write-through.
 */
export const HYBRID_MAX_IN_FLIGHT = 4;
/** `inline` mode: dispatches started per look at the outbox (it has no fallback, so every one waits its turn here). */
const INLINE_MAX_IN_FLIGHT = 100;
/** A call that took longer than this marks its connection slow: its next triggers go to the queue (hybrid). */
export const SLOW_CALL_MS = 5_000;
/** How long a connection stays marked slow: calls through the queue do not tell the object it is fast again. */
const SLOW_FOR_MS = 10 * 60_000;

/**
 * The object calling the connectors itself, saving a queue round trip per task. It runs beside the outbox flush, so
 * the next task never waits for the previous step's D1 write-through. The outbox row stays until the outcome is
 * applied, so an eviction mid-call re-dispatches (the claim makes that safe: a second holder gets `busy`, and once
 * the lease is over the alarm resends it as a resubmission).
 */
export class InlineDispatcher {
  /** Outbox ids of the dispatches this object is performing now. */
  private readonly inflight = new Set<number>();
  /** Outbox ids whose inline call failed on our side: the flush sends them to the queue (hybrid). */
  private readonly handedOff = new Set<number>();
  /** Connections (team, environment, name) that answered slower than SLOW_CALL_MS, until when they count as slow. */
  private readonly slow = new Map<string, number>();
  private readonly hybrid: boolean;

  constructor(
    private readonly core: RunsCore,
    mode: "hybrid" | "inline",
  ) {
    this.hybrid = mode === "hybrid";
  }

  /** Starts the dispatch items in the outbox this object performs itself and is not performing yet. */
  startPending() {
    const { store } = this.core;
    const limit = this.hybrid ? HYBRID_MAX_IN_FLIGHT : INLINE_MAX_IN_FLIGHT;
    if (this.inflight.size >= limit) return;
    // Filtered here rather than in SQL: in `inline` mode the ids in flight can exceed SQLite's bound-parameter limit.
    for (const item of store.outbox(limit + this.inflight.size + this.handedOff.size, { kinds: ["dispatch"] })) {
      if (this.inflight.size >= limit) break;
      if (this.inflight.has(item.id) || this.handedOff.has(item.id)) continue;
      const msg = item.payload as DispatchMessage;
      if (this.hybrid && (!(msg.op === "trigger" || this.isSensorPoke(msg)) || this.onSlowConnection(msg))) continue;
      this.inflight.add(item.id);
      this.core.waitUntil(this.dispatch(item.id, msg));
    }
  }

  /**
   * Which outbox items the flush delivers: in `hybrid` every one not being performed here, in `inline` no dispatch.
   * With `writeThrough: false`, only the queue sends (the D1 write-through waits for a later flush).
   */
  flushable({ writeThrough }: { writeThrough: boolean }): { kinds?: Array<OutboxItem["kind"]>; exclude?: number[] } {
    const kinds: Array<OutboxItem["kind"]> = writeThrough ? ["d1", "notify", "log", "use"] : ["notify"];
    return this.hybrid ? { kinds: [...kinds, "dispatch"], exclude: [...this.inflight] } : { kinds };
  }

  /** Whether the object is calling a tool now: its outcome brings a flush of its own when it is applied. */
  performing(): boolean {
    return this.inflight.size > 0;
  }

  /** The flush sent these items: forget that they were handed off. */
  delivered(ids: number[]) {
    for (const id of ids) this.handedOff.delete(id);
  }

  private async dispatch(outboxId: number, msg: DispatchMessage) {
    const { core } = this;
    try {
      if (await this.performClaimed(msg)) core.store.removeOutbox([outboxId]);
      else this.handedOff.add(outboxId);
    } catch (err) {
      // Left in the outbox; the alarm retries in a few seconds.
      log.with({ tenantId: msg.tenantId }).error("inline dispatch failed", { run_id: msg.runId, task: msg.taskKey, ...errorFields(err) });
    } finally {
      this.inflight.delete(outboxId);
    }
    // The outcome may have queued the next task: start it at once, then deliver the snapshots (and a hand-off) behind it
    // (or, while that next call is in flight, together with its own: WRITE_THROUGH_HOLD_MS).
    this.startPending();
    await core.settle({ holdWriteThrough: true });
  }

  /** Claims and performs one dispatch and applies its outcome; false when it was handed off to the queue. */
  private async performClaimed(msg: DispatchMessage): Promise<boolean> {
    const { core } = this;
    const claim = claimDispatch(core, msg, objectHolder(core));
    if (!claim.ok) return true;
    const started = wallNow();
    const deferred: OutboxItem[] = [];
    const outcome = await this.perform(msg, claim.context, claim.claimId, {
      log: (fetched) => deferred.push({ kind: "log", payload: fetched }),
      use: (use) => deferred.push({ kind: "use", payload: use }),
    });
    if (outcome === HANDED_OFF) return false;
    if (this.hybrid && wallNow() - started > SLOW_CALL_MS) this.slow.set(connectionKey(claim.context), wallNow() + SLOW_FOR_MS);
    // The attempt's log and connection use are written from the outbox with the run's snapshots, not in front of the
    // next task; they are recorded in the same synchronous block as the outcome, so a crash keeps both or neither.
    for (const item of deferred) core.store.enqueue(item);
    completeDispatch(core, claim.claimId);
    if (outcome && core.store.getRun(msg.runId)) {
      core.apply(msg.runId, `dispatch:${claim.claimId}`, {
        type: "task.outcome",
        key: msg.taskKey,
        attempt: msg.attempt,
        outcome,
        source: msg.op === "trigger" ? "trigger" : "poll",
        startedAt: claim.claimedAt,
      });
    }
    return true;
  }

  /** The connector call; in `hybrid` mode a failure on our side (D1, the key ring — not the tool) goes to the queue. */
  private async perform(msg: DispatchMessage, context: DispatchContext, claimId: string, deferrals: DispatchDeferrals) {
    try {
      return await performDispatch(this.core.env, msg.tenantId, msg.op, context, (work) => this.core.waitUntil(work), deferrals);
    } catch (err) {
      // Given up: the next try — the alarm's (inline), the queue's (hybrid) — claims it at once, as a resubmission,
      // rather than finding it busy until the lease ends.
      releaseDispatch(this.core, claimId);
      if (!this.hybrid) throw err;
      // The queue's retries and dead-letter queue take over.
      log.with({ tenantId: msg.tenantId }).warn("inline dispatch failed; sent to the queue", { run_id: msg.runId, task: msg.taskKey, ...errorFields(err) });
      return HANDED_OFF;
    }
  }

  /**
   * A sensor's look at its condition: one short request, repeated every interval for hours, so it stays here on the
   * alarm that scheduled it rather than costing a queue message per poke.
   */
  private isSensorPoke(msg: DispatchMessage): boolean {
    if (msg.op !== "poll") return false;
    const plan = this.core.store.getRun(msg.runId)?.state.plan.find((t) => t.key === msg.taskKey);
    return plan?.sensor !== undefined;
  }

  /** Whether the task's connection answered slowly of late (read only once some connection has). */
  private onSlowConnection(msg: DispatchMessage): boolean {
    if (!this.slow.size) return false;
    const row = this.core.store.getRun(msg.runId);
    const spec = row?.meta.tasks.find((t) => t.id === msg.taskKey);
    if (!row || !spec) return false;
    const key = connectionKey({ teamId: row.meta.teamId, environment: row.meta.environment, connection: spec.connection, connector: spec.connector });
    const until = this.slow.get(key);
    if (until === undefined) return false;
    if (until > wallNow()) return true;
    this.slow.delete(key);
    return false;
  }
}

const HANDED_OFF = Symbol("handed off to the queue");

const connectionKey = (c: Pick<DispatchContext, "teamId" | "environment" | "connection" | "connector">) =>
  `${c.teamId}:${c.environment}:${c.connection ?? `(${c.connector})`}`;
