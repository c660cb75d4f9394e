import { performDispatch } from "../../queues/perform-dispatch";
import type { DispatchMessage } from "../../queues/messages";
import type { RunsCore } from "./core";
import { claimDispatch } from "./dispatch-claims";
import { errorFields, log } from "../../lib/log";

const INLINE_BATCH = 100;

/**
 * DISPATCH_MODE=inline: the object calls the connector itself instead of going through the queue, saving a queue
 * round trip per task. It runs beside the outbox flush, so the next task never waits for the previous step's D1
 * write-through. The outbox row stays until the outcome is applied, so an eviction mid-call re-dispatches (the
 * claim makes that safe).
 */
export class InlineDispatcher {
  /** Outbox ids of the dispatches this object is performing now. */
  private readonly inflight = new Set<number>();

  constructor(private readonly core: RunsCore) {}

  /** Starts the dispatch items in the outbox not already being performed. */
  startPending() {
    for (const item of this.core.store.outbox(INLINE_BATCH, ["dispatch"])) {
      if (this.inflight.has(item.id)) continue;
      this.inflight.add(item.id);
      this.core.waitUntil(this.dispatch(item.id, item.payload as DispatchMessage));
    }
  }

  private async dispatch(outboxId: number, msg: DispatchMessage) {
    const { core } = this;
    try {
      const claim = claimDispatch(core, msg);
      if (claim.ok) {
        const outcome = await performDispatch(core.env, msg.tenantId, msg.op, claim.context, (work) => core.waitUntil(work));
        core.store.completeClaim(claim.claimId, core.now());
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
      }
      core.store.removeOutbox([outboxId]);
    } catch (err) {
      // Left in the outbox; the alarm retries in a few seconds.
      log.with({ tenantId: msg.tenantId }).error("inline dispatch failed", { run_id: msg.runId, task: msg.taskKey, ...errorFields(err) });
    } finally {
      this.inflight.delete(outboxId);
    }
    // The outcome may have queued the next task: start it at once, then deliver the snapshots behind it.
    this.startPending();
    await core.settle();
  }
}
