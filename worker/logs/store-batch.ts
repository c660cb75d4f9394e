import { attemptLogKey, deleteBlob, replaceBlob, tenantBlobs } from "../blobs/store";
import type { TenantCtx } from "../db/client";
import { quotaStateRead } from "../db/repo/platform/storage-usage";
import { storedTaskLogOf, storedTaskLogStatement, taskLogApplied, taskLogStatements } from "../db/repo/runs/task-logs";
import { runBatch, type Stmt } from "../db/statements";
import { ApiError } from "../lib/errors";
import { errorFields, log } from "../lib/log";
import { checkQuotaState } from "../retention/storage-quota";
import { TASK_LOG_INLINE_MAX_BYTES, type AttemptLogToStore } from "./capture";

/** The D1 side of storing several logs at once: statements to put in a batch, and what to do with their results. */
export interface LogWrites {
  statements: Stmt[];
  /** After the batch: removes the R2 objects no row names (a write refused because the log was final, a replaced fetch). */
  settle(results: D1Result[]): Promise<void>;
}

/**
 * Stores the logs the run engine's object fetched with its own dispatches (its outbox's `log` items) as storeAttemptLog
 * does one, but for all of them with one D1 read, their R2 objects side by side, and their rows in the caller's write
 * batch (beside the run snapshots): a task's log costs no D1 round trip of its own. Fetches of one attempt apply in
 * order. A log refused (quota reached, already final) or whose R2 write failed is logged and left out: a log is a
 * by-product and must never hold the run's write-through up. Only a failed D1 read throws (the flush is tried again).
 */
export async function prepareLogWrites(ctx: TenantCtx, bucket: R2Bucket, logs: AttemptLogToStore[]): Promise<LogWrites> {
  if (!logs.length) return { statements: [], settle: async () => undefined };
  const attempts = [...new Map(logs.map((l) => [attemptKey(l), l.ref])).entries()];
  const quotaRead = quotaStateRead(ctx);
  const first = quotaRead.statements.length;
  const reads = await runBatch(ctx, [...quotaRead.statements, ...attempts.map(([, ref]) => storedTaskLogStatement(ctx, ref))]);
  const quota = quotaRead.parse(reads.slice(0, first));
  const stored = new Map(attempts.map(([key], i) => [key, storedTaskLogOf(reads[i + first].results[0] as Record<string, unknown> | undefined)]));
  const blobs = tenantBlobs(bucket, ctx);
  /** `previous`: the R2 object the row names now, if any (an inline log has none). */
  const writes: Array<{ log: AttemptLogToStore; blobKey: string; inline: boolean; previous: string | null }> = [];
  for (const l of logs) {
    const key = attemptKey(l);
    const previous = stored.get(key) ?? null;
    if (previous?.complete) continue;
    try {
      checkQuotaState(ctx, quota, { bytes: l.bytes - (previous?.bytes ?? 0), objects: previous ? 0 : 1 });
    } catch (err) {
      if (!(err instanceof ApiError)) throw err;
      if (l.complete) warn(ctx, l, err.message);
      continue;
    }
    // Later logs of the flush are checked against the totals with this one in.
    quota.bytes += l.bytes - (previous?.bytes ?? 0);
    quota.objects += previous ? 0 : 1;
    const blobKey = attemptLogKey(blobs, l.ref, l.fetchedAt);
    const inline = l.bytes <= TASK_LOG_INLINE_MAX_BYTES;
    writes.push({ log: l, blobKey, inline, previous: previous && !previous.inline ? previous.blobKey : null });
    stored.set(key, { blobKey, inline, bytes: l.bytes, complete: l.complete });
  }
  // The R2 object exists before the row that names it; a short log goes in the row itself.
  const put = await Promise.all(
    writes.map(({ log: l, blobKey, inline }) =>
      inline
        ? true
        : replaceBlob(blobs, blobKey, new TextEncoder().encode(l.text), { "content-type": "text/plain; charset=utf-8", dropped: String(l.dropped) }).then(
            () => true,
            (err) => {
              warn(ctx, l, `R2 write failed: ${errorFields(err).error}`);
              return false;
            },
          ),
    ),
  );
  const kept = writes.filter((_, i) => put[i]);
  const perWrite = kept.map((w) =>
    taskLogStatements(ctx, {
      ...w.log.ref,
      blobKey: w.blobKey,
      content: w.inline ? w.log.text : null,
      bytes: w.log.bytes,
      droppedBytes: w.log.dropped,
      complete: w.log.complete,
      fetchedAt: w.log.fetchedAt,
    }),
  );
  const statements = perWrite.flat();
  return {
    statements,
    async settle(results) {
      const stale: string[] = [];
      let at = 0;
      kept.forEach((w, i) => {
        const applied = taskLogApplied(results.slice(at, at + perWrite[i].length));
        at += perWrite[i].length;
        // Refused: its own object goes, unless the row names that very object (a write repeated after a crash).
        if (!applied) {
          if (!w.inline && w.blobKey !== w.previous) stale.push(w.blobKey);
        } else if (w.previous && w.previous !== w.blobKey) stale.push(w.previous);
      });
      if (stale.length)
        await deleteBlob(blobs, stale).catch((err) => log.with({ tenantId: ctx.tenantId }).warn("removing replaced task logs failed", errorFields(err)));
    },
  };
}

const attemptKey = (l: AttemptLogToStore) => `${l.ref.runId}\u0000${l.ref.taskKey}\u0000${l.ref.attempt}`;

function warn(ctx: TenantCtx, l: AttemptLogToStore, reason: string) {
  log.with({ tenantId: ctx.tenantId }).warn("task log not stored", { run_id: l.ref.runId, task: l.ref.taskKey, attempt: l.ref.attempt, reason });
}
