import { attemptLogKey, deleteBlob, replaceBlob, tenantBlobs } from "../blobs/store";
import type { Redactor } from "../connectors/redact";
import type { TenantCtx } from "../db/client";
import { getTaskLog, recordTaskLog, type AttemptRef } from "../db/repo/runs/task-logs";
import { ApiError } from "../lib/errors";
import { quotaState } from "../db/repo/platform/storage-usage";
import { checkQuotaState } from "../retention/storage-quota";

/** Most bytes of one attempt's log kept: longer logs keep their tail, where a failure's cause is. */
export const TASK_LOG_MAX_BYTES = 1024 * 1024;
/**
 * A log this short lives in its D1 row (`task_logs.content`) rather than in an R2 object: an instant task's log (an
 * `http` trigger's answer) then costs no R2 write and no R2 read, and nothing to delete when it is replaced.
 */
export const TASK_LOG_INLINE_MAX_BYTES = 4096;
/** While an attempt runs, its log is fetched again at most this often (each fetch is a call to the tool). */
export const LOG_FOLLOW_EVERY_MS = 15_000;
/** How far past the cut a line break is looked for, so the kept tail starts at a whole line. */
const LINE_SEARCH_BYTES = 4096;

/** The bytes of `text` to keep under `max`: all of them, or the tail from a line (or character) boundary. */
export function capLog(text: string, max = TASK_LOG_MAX_BYTES): { kept: Uint8Array; dropped: number } {
  const bytes = new TextEncoder().encode(text);
  if (bytes.length <= max) return { kept: bytes, dropped: 0 };
  let start = bytes.length - max;
  const newline = bytes.subarray(start, start + LINE_SEARCH_BYTES).indexOf(0x0a);
  if (newline >= 0) start += newline + 1;
  // Never inside a UTF-8 sequence: continuation bytes are 10xxxxxx.
  while (start < bytes.length && (bytes[start] & 0xc0) === 0x80) start++;
  return { kept: bytes.subarray(start), dropped: start };
}

export interface CapturedLog {
  stored: boolean;
  /** Why nothing was stored (quota reached, the log is already final). */
  reason?: string;
}

/**
 * One fetch of an attempt's log, ready to store: without any credential the connection sent (the redactor knows them)
 * and capped to its tail, so it can wait in the run engine's outbox (runs/outbox.ts) holding nothing secret.
 */
export interface AttemptLogToStore {
  ref: AttemptRef & { source: string };
  /** The kept tail, redacted. */
  text: string;
  /** Its length in UTF-8 bytes. */
  bytes: number;
  /** Bytes cut from the head by the cap. */
  dropped: number;
  complete: boolean;
  fetchedAt: number;
}

export function prepareAttemptLog(
  ref: AttemptRef & { source: string },
  text: string,
  opts: { complete: boolean; redactor: Redactor; now: number },
): AttemptLogToStore {
  const { kept, dropped } = capLog(opts.redactor.redact(text));
  // capLog cuts at a character boundary, so the kept bytes decode to the same text.
  return { ref, text: new TextDecoder().decode(kept), bytes: kept.length, dropped, complete: opts.complete, fetchedAt: opts.now };
}

/**
 * Stores one prepared fetch of an attempt's tool log, counted in the tenant's storage usage and refused past its
 * quota. The R2 object is written before the D1 row names it; a write the row refuses (the log was already final)
 * removes its own object, and an accepted one removes the object the row named before.
 */
export async function storeAttemptLog(ctx: TenantCtx, bucket: R2Bucket, log: AttemptLogToStore): Promise<CapturedLog> {
  const { ref } = log;
  // Both reads at once: one round trip to D1 before the write instead of two.
  const [previous, quota] = await Promise.all([getTaskLog(ctx, ref), quotaState(ctx)]);
  if (previous?.complete) return { stored: false, reason: "the attempt's log is already final" };
  const kept = new TextEncoder().encode(log.text);
  try {
    checkQuotaState(ctx, quota, { bytes: kept.length - (previous?.bytes ?? 0), objects: previous ? 0 : 1 });
  } catch (err) {
    if (err instanceof ApiError) return { stored: false, reason: err.message };
    throw err;
  }
  const blobs = tenantBlobs(bucket, ctx);
  const blobKey = attemptLogKey(blobs, ref, log.fetchedAt);
  const inline = kept.length <= TASK_LOG_INLINE_MAX_BYTES;
  if (!inline) await replaceBlob(blobs, blobKey, kept, { "content-type": "text/plain; charset=utf-8", dropped: String(log.dropped) });
  const applied = await recordTaskLog(ctx, {
    ...ref,
    blobKey,
    content: inline ? log.text : null,
    bytes: kept.length,
    droppedBytes: log.dropped,
    complete: log.complete,
    fetchedAt: log.fetchedAt,
  });
  if (!applied) {
    if (!inline) await deleteBlob(blobs, blobKey);
    return { stored: false, reason: "the attempt's log is already final" };
  }
  if (previous && previous.content === null && previous.blobKey !== blobKey) await deleteBlob(blobs, previous.blobKey);
  return { stored: true };
}
