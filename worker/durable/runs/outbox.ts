import { runSnapshotStatements, type RunSnapshot } from "../../db/repo/runs/runs";
import type { DispatchMessage } from "../../queues/messages";
import { mergeSnapshots } from "../snapshot";
import type { RunsCore } from "./core";
import type { InlineDispatcher } from "./inline-dispatch";
import { errorFields, log } from "../../lib/log";
import type { AttemptLogToStore } from "../../logs/capture";
import { prepareLogWrites } from "../../logs/store-batch";
import type { ConnectionUse } from "../../queues/perform-dispatch";
import { connectionUseStatements } from "../../db/repo/connections/connections";
import { runBatch } from "../../db/statements";
import { wallNow } from "../../lib/time";
import { tenantContext } from "../../db/shards";

const OUTBOX_BATCH = 100;

/**
 * How long the D1 write-through (run snapshots, task logs, connection uses) may wait while the object is calling a
 * tool itself. The outcome of that call flushes again, so a chain of short tasks writes D1 once per window, with the
 * snapshots of its steps merged, instead of once per task; a long call holds it no longer than this.
 */
export const WRITE_THROUGH_HOLD_MS = 200;

/**
 * Delivers the outbox: dispatch messages to the queue, snapshots to D1, signals to the notify queue. One delivery at
 * a time, in order; what fails stays in the outbox for the alarm to try again.
 */
export class OutboxFlusher {
  private flushing: Promise<void> | null = null;
  private flushAgain = false;
  /** Since when (wall clock) the write-through has been held back, and the timer that ends the hold. */
  private heldSince: number | null = null;
  /** A caller waits for the write-through: the loop's next pass writes it, hold or not. */
  private writeNow = false;
  private holdTimer: ReturnType<typeof setTimeout> | null = null;

  /** `inline`: set unless DISPATCH_MODE=queue; the dispatches it performs stay in the outbox until their outcome is applied. */
  constructor(
    private readonly core: RunsCore,
    private readonly inline: InlineDispatcher | null,
  ) {}

  /**
   * Delivers what the outbox holds. With `holdWriteThrough` (after an outcome of the object's own tool call), the D1
   * write-through may wait for a later flush (holdWriteThrough below); without it, it is written before this returns,
   * held items included.
   */
  async flush({ holdWriteThrough = false }: { holdWriteThrough?: boolean } = {}): Promise<void> {
    if (!holdWriteThrough) this.writeNow = true;
    if (this.flushing) {
      this.flushAgain = true;
      await this.flushing;
      // That loop may have ended just before our items were added: take over if any are left.
      if ((this.flushing as Promise<void> | null) || !this.core.store.outbox(1).length) return;
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

  /**
   * One D1 batch per flush: the merged run snapshots, the connection uses and the rows of the task logs (whose R2
   * objects are written first), so a step of a run costs one write to D1 however many rows it touches. A task's log
   * and its end reach D1 together.
   */
  private async writeThrough(snapshots: RunSnapshot[], logs: AttemptLogToStore[], uses: ConnectionUse[]) {
    if (!snapshots.length && !logs.length && !uses.length) return;
    const { env } = this.core;
    const tenant = await tenantContext(env, this.core.tenantId());
    const logWrites = await prepareLogWrites(tenant, env.BLOBS, logs);
    const results = await runBatch(tenant, [
      ...logWrites.statements,
      ...uses.flatMap((u) => connectionUseStatements(tenant, u.connection, u)),
      ...runSnapshotStatements(tenant, mergeSnapshots(snapshots)),
    ]);
    await logWrites.settle(results.slice(0, logWrites.statements.length));
  }

  /**
   * Whether this flush leaves the write-through in the outbox: while a tool call of the object's own is in flight (its
   * outcome flushes again), for up to WRITE_THROUGH_HOLD_MS. A timer flushes when the hold is over; should the object
   * go away first, the alarm armed for a non-empty outbox delivers it.
   */
  private holdWriteThrough(): boolean {
    if (!this.inline?.performing()) return false;
    const now = wallNow();
    this.heldSince ??= now;
    const left = this.heldSince + WRITE_THROUGH_HOLD_MS - now;
    if (left <= 0) return false;
    this.holdTimer ??= setTimeout(() => {
      this.holdTimer = null;
      this.core.waitUntil(this.core.settle());
    }, left);
    return true;
  }

  private endHold() {
    this.heldSince = null;
    if (this.holdTimer) clearTimeout(this.holdTimer);
    this.holdTimer = null;
  }

  private async flushLoop(): Promise<void> {
    const { store, env } = this.core;
    try {
      do {
        this.flushAgain = false;
        // Inline dispatches are performed beside this loop and leave the outbox when their outcome is applied; in
        // hybrid mode the dispatches the object does not take go to the queue here.
        this.inline?.startPending();
        const writeThrough = this.writeNow || !this.holdWriteThrough();
        const items = store.outbox(OUTBOX_BATCH, this.inline?.flushable({ writeThrough }));
        // A full batch leaves more behind, which a caller waiting for the write-through must see written too.
        this.writeNow &&= items.length === OUTBOX_BATCH;
        if (writeThrough) this.endHold();
        if (!items.length) break;
        const dispatches = items.filter((i) => i.kind === "dispatch").map((i) => ({ body: i.payload as DispatchMessage }));
        const snapshots = items.filter((i) => i.kind === "d1").map((i) => i.payload as RunSnapshot);
        const notices = items.filter((i) => i.kind === "notify").map((i) => ({ body: i.payload }));
        const logs = items.filter((i) => i.kind === "log").map((i) => i.payload as AttemptLogToStore);
        const uses = items.filter((i) => i.kind === "use").map((i) => i.payload as ConnectionUse);
        await Promise.all([
          this.writeThrough(snapshots, logs, uses),
          dispatches.length ? env.DISPATCH.sendBatch(dispatches) : null,
          notices.length ? env.NOTIFY.sendBatch(notices) : null,
        ]);
        store.removeOutbox(items.map((i) => i.id));
        this.inline?.delivered(items.map((i) => i.id));
        if (items.length === OUTBOX_BATCH) this.flushAgain = true;
      } while (this.flushAgain);
    } catch (err) {
      // Left in the outbox; the alarm retries in a few seconds.
      log.with({ tenantId: this.core.tenantId() }).error("outbox flush failed", errorFields(err));
    }
  }
}
