import { getBlob, tenantBlobs } from "../blobs/store";
import type { TenantCtx } from "../db/client";
import type { TaskLogRow } from "../db/repo/runs/task-logs";
import { notFound } from "../lib/errors";

/** A read of an attempt's log from byte `offset` on, in the log's own offsets (see taskLogs). */
export interface LogChunk {
  content: string;
  offset: number;
  nextAfter: number;
  /** The log's length so far, the dropped head included. */
  size: number;
}

/** Where a complete UTF-8 character ends at or before `end` in `bytes`. */
function charBoundary(bytes: Uint8Array, end: number): number {
  if (end >= bytes.length) return bytes.length;
  let i = end;
  while (i > 0 && (bytes[i] & 0xc0) === 0x80) i--;
  return i;
}

/**
 * At most `limit` bytes of the stored log from `after` on (a read from before the kept tail starts where it starts),
 * cut at a character boundary: following with `after = nextAfter` reads every byte once.
 */
export async function readAttemptLog(ctx: TenantCtx, bucket: R2Bucket, row: TaskLogRow, after: number, limit: number): Promise<LogChunk> {
  const size = row.droppedBytes + row.bytes;
  const offset = Math.min(Math.max(after, row.droppedBytes), size);
  if (offset === size) return { content: "", offset, nextAfter: offset, size };
  const bytes = await storedBytes(ctx, bucket, row, offset - row.droppedBytes, Math.min(limit + 4, size - offset));
  let start = 0;
  while (start < bytes.length && (bytes[start] & 0xc0) === 0x80) start++;
  const end = Math.max(start, charBoundary(bytes, Math.min(bytes.length, start + limit)));
  return { content: new TextDecoder().decode(bytes.subarray(start, end)), offset: offset + start, nextAfter: offset + end, size };
}

/** `length` bytes of the stored log from `from` (in stored bytes): from the row when it holds the log, else from R2. */
async function storedBytes(ctx: TenantCtx, bucket: R2Bucket, row: TaskLogRow, from: number, length: number): Promise<Uint8Array> {
  if (row.content !== null) return new TextEncoder().encode(row.content).subarray(from, from + length);
  const blob = await getBlob(tenantBlobs(bucket, ctx), row.blobKey, { offset: from, length });
  if (!blob) throw notFound("task log");
  return new Uint8Array(await new Response(blob.body).arrayBuffer());
}

/** The whole stored log as a download: a first line says when the head is gone. */
export async function downloadAttemptLog(ctx: TenantCtx, bucket: R2Bucket, row: TaskLogRow): Promise<ReadableStream<Uint8Array>> {
  const blob = row.content !== null ? { body: new Blob([row.content]).stream() } : await getBlob(tenantBlobs(bucket, ctx), row.blobKey);
  if (!blob) throw notFound("task log");
  if (!row.droppedBytes) return blob.body;
  const note = new TextEncoder().encode(`${truncationNote(row.droppedBytes)}\n`);
  const { readable, writable } = new TransformStream<Uint8Array, Uint8Array>();
  (async () => {
    const writer = writable.getWriter();
    await writer.write(note);
    writer.releaseLock();
    await blob.body.pipeTo(writable);
  })().catch(() => undefined);
  return readable;
}

export const truncationNote = (dropped: number) =>
  `[Tutti keeps the last part of long logs: the first ${dropped} bytes of this log are not stored; the tool's own page has all of it]`;
