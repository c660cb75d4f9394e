import type { TenantCtx } from "../db/client";
import { claimExportStep, saveExportStep, type TenantExport } from "../db/repo/platform/tenant-jobs";
import { memberProfilesPage, tenantRow, tenantRowsPage } from "../db/repo/platform/tenant-rows";
import { exportedTables, leftOutOfExport, type TenantTable } from "../db/tenant-tables";
import { toBase64 } from "../lib/encoding";
import { errorFields, log } from "../lib/log";
import { abortArchive, appendToArchive, finishArchive, openArchive, type ArchiveState } from "./archive";
import { padding, tarEnd, tarFile, tarHeader } from "./tar";

/**
 * A tenant's export, built a bounded step at a time (docs/operations.md, "Export and delete a tenant", describes the
 * archive): `tenant.json`, then each table's rows as numbered JSON Lines files in primary-key order, the members'
 * profiles, every R2 object under the tenant's prefix (except exports), and `manifest.json` with the counts.
 * Each step reads at most `rowsPerStep` rows or one `blobChunk` of bytes, appends them to the archive and saves where
 * it stopped; the queue consumer sends the next step (worker/queues/tenant-data.ts).
 */

export const EXPORT_FORMAT = { name: "tutti-tenant-export", version: 1 } as const;

export interface StepLimits {
  /** Rows per JSON Lines file (one page of a table). */
  rowsPerFile: number;
  /** Rows a step reads at most (several files). */
  rowsPerStep: number;
  /** Bytes of an R2 object a step copies at most. */
  blobChunk: number;
}

export const defaultLimits: StepLimits = { rowsPerFile: 500, rowsPerStep: 2000, blobChunk: 4 * 1024 * 1024 };

/** How long a claimed step may take before another delivery may run it again. */
export const STEP_LEASE_MS = 5 * 60_000;

interface BlobInProgress {
  key: string;
  size: number;
  offset: number;
}

interface ExportCursor {
  phase: "start" | "tables" | "users" | "blobs" | "done";
  archive: ArchiveState | null;
  table: number;
  after: unknown[] | null;
  file: number;
  afterUser: string | null;
  rows: Record<string, { rows: number; files: number }>;
  listCursor: string | null;
  listed: boolean;
  pending: Array<{ key: string; size: number }>;
  blob: BlobInProgress | null;
  blobs: { count: number; bytes: number };
}

const freshCursor = (): ExportCursor => ({
  phase: "start",
  archive: null,
  table: 0,
  after: null,
  file: 1,
  afterUser: null,
  rows: {},
  listCursor: null,
  listed: false,
  pending: [],
  blob: null,
  blobs: { count: 0, bytes: 0 },
});

const encoder = new TextEncoder();
const tenantPrefix = (tenantId: string) => `t/${tenantId}/`;
/** Where a tenant's export archives live: inside its own prefix, so deleting the tenant deletes them. */
export const exportKey = (tenantId: string, exportId: string) => `${tenantPrefix(tenantId)}exports/${exportId}.tar`;
const isExportObject = (tenantId: string, key: string) => key.startsWith(`${tenantPrefix(tenantId)}exports/`);

/** A D1 value as the archive writes it: bytes as `{"$base64": …}`, everything else as stored. */
function encodeValue(value: unknown): unknown {
  if (value instanceof ArrayBuffer) return { $base64: toBase64(new Uint8Array(value)) };
  if (ArrayBuffer.isView(value)) return { $base64: toBase64(new Uint8Array(value.buffer, value.byteOffset, value.byteLength)) };
  if (Array.isArray(value)) return { $base64: toBase64(Uint8Array.from(value as number[])) };
  return value;
}

function jsonLines(rows: Record<string, unknown>[], blobColumns: readonly string[]): Uint8Array {
  const lines = rows.map((row) => {
    const out: Record<string, unknown> = { ...row };
    for (const column of blobColumns) if (out[column] != null) out[column] = encodeValue(out[column]);
    return `${JSON.stringify(out)}\n`;
  });
  return encoder.encode(lines.join(""));
}

const fileName = (table: string, n: number) => `tables/${table}/${String(n).padStart(6, "0")}.jsonl`;

interface StepOutput {
  chunks: Uint8Array[];
  rows: number;
  bytes: number;
}

/** One page of the current table (or the move to the next one). */
async function tablePage(ctx: TenantCtx, c: ExportCursor, limits: StepLimits, now: number, out: StepOutput) {
  const table: TenantTable | undefined = exportedTables[c.table];
  if (!table) {
    c.phase = "users";
    c.file = 1;
    return;
  }
  const rows = await tenantRowsPage(ctx, table, c.after, limits.rowsPerFile);
  if (rows.length) {
    const bytes = jsonLines(rows, table.blobColumns);
    out.chunks.push(...tarFile(fileName(table.name, c.file), bytes, now));
    out.rows += rows.length;
    out.bytes += bytes.length;
    const done = c.rows[table.name] ?? { rows: 0, files: 0 };
    c.rows[table.name] = { rows: done.rows + rows.length, files: done.files + 1 };
    const last = rows[rows.length - 1] as Record<string, unknown>;
    c.after = table.keyColumns.map((k) => last[k]);
    c.file++;
  }
  if (rows.length < limits.rowsPerFile) {
    c.table++;
    c.after = null;
    c.file = 1;
  }
}

async function usersPage(ctx: TenantCtx, c: ExportCursor, limits: StepLimits, now: number, out: StepOutput) {
  const rows = await memberProfilesPage(ctx, c.afterUser, limits.rowsPerFile);
  if (rows.length) {
    const bytes = jsonLines(rows, []);
    out.chunks.push(...tarFile(fileName("users", c.file), bytes, now));
    out.rows += rows.length;
    out.bytes += bytes.length;
    const done = c.rows.users ?? { rows: 0, files: 0 };
    c.rows.users = { rows: done.rows + rows.length, files: done.files + 1 };
    c.afterUser = rows[rows.length - 1]?.id as string;
    c.file++;
  }
  if (rows.length < limits.rowsPerFile) c.phase = "blobs";
}

/** The next piece of the tenant's R2 objects: a listing page, a tar header, or a chunk of an object's bytes. */
async function blobPiece(ctx: TenantCtx, bucket: R2Bucket, c: ExportCursor, limits: StepLimits, now: number, out: StepOutput) {
  if (c.blob) {
    const { key, size, offset } = c.blob;
    const length = Math.min(limits.blobChunk, size - offset);
    if (length > 0) {
      const object = await bucket.get(key, { range: { offset, length } });
      if (!object) throw new Error(`R2 object ${key} disappeared during the export`);
      const bytes = new Uint8Array(await object.arrayBuffer());
      if (bytes.length !== length) throw new Error(`R2 object ${key} changed size during the export`);
      out.chunks.push(bytes);
      out.bytes += length;
    }
    if (offset + length >= size) {
      out.chunks.push(padding(size));
      c.blob = null;
    } else c.blob = { key, size, offset: offset + length };
    return;
  }
  const next = c.pending.shift();
  if (next) {
    const path = `blobs/${next.key.slice(tenantPrefix(ctx.tenantId).length)}`;
    out.chunks.push(tarHeader(path, next.size, now));
    c.blob = { key: next.key, size: next.size, offset: 0 };
    c.blobs = { count: c.blobs.count + 1, bytes: c.blobs.bytes + next.size };
    return;
  }
  if (c.listed) {
    c.phase = "done";
    return;
  }
  const listing = await bucket.list({ prefix: tenantPrefix(ctx.tenantId), cursor: c.listCursor ?? undefined, limit: 100 });
  c.pending = listing.objects.filter((o) => !isExportObject(ctx.tenantId, o.key)).map((o) => ({ key: o.key, size: o.size }));
  c.listCursor = listing.truncated ? listing.cursor : null;
  c.listed = !listing.truncated;
}

function manifest(ctx: TenantCtx, exportId: string, c: ExportCursor, now: number) {
  return {
    format: EXPORT_FORMAT.name,
    version: EXPORT_FORMAT.version,
    export_id: exportId,
    tenant_id: ctx.tenantId,
    exported_at: new Date(now).toISOString(),
    tables: Object.fromEntries(exportedTables.map((t) => [t.name, c.rows[t.name] ?? { rows: 0, files: 0 }])),
    users: c.rows.users ?? { rows: 0, files: 0 },
    blobs: c.blobs,
    left_out: leftOutOfExport,
  };
}

/**
 * Runs the next step of export `exportId` if no other delivery holds it. Returns whether more steps remain
 * (false when it finished, failed, or was not this call's to run).
 */
export async function runExportStep(
  ctx: TenantCtx,
  bucket: R2Bucket,
  exportId: string,
  now: number,
  limits: StepLimits = defaultLimits,
): Promise<{ more: boolean; ran: boolean }> {
  const row = await claimExportStep(ctx, exportId, now, now + STEP_LEASE_MS);
  if (!row) return { more: false, ran: false };
  try {
    return { more: await exportStep(ctx, bucket, row, now, limits), ran: true };
  } catch (err) {
    log.error("tenant export step failed", { tenant_id: ctx.tenantId, export_id: exportId, ...errorFields(err) });
    const archive = (row.cursor as Partial<ExportCursor>).archive;
    if (archive) await abortArchive(bucket, archive).catch(() => undefined);
    await saveExportStep(ctx, exportId, { cursor: row.cursor, now, status: "failed", error: "the export failed; start a new one" });
    return { more: false, ran: true };
  }
}

async function exportStep(ctx: TenantCtx, bucket: R2Bucket, row: TenantExport, now: number, limits: StepLimits): Promise<boolean> {
  const c: ExportCursor = { ...freshCursor(), ...(row.cursor as Partial<ExportCursor>) };
  const out: StepOutput = { chunks: [], rows: 0, bytes: 0 };
  if (c.phase === "start") {
    c.archive = await openArchive(bucket, row.archiveKey);
    // Which shard the tenant is on is this deployment's placement, not the tenant's data: an import places it anew.
    const record = await tenantRow(ctx);
    const tenant = record && Object.fromEntries(Object.entries(record).filter(([column]) => column !== "shard"));
    const head = { format: EXPORT_FORMAT.name, version: EXPORT_FORMAT.version, tenant };
    out.chunks.push(...tarFile("tenant.json", encoder.encode(`${JSON.stringify(head, null, 2)}\n`), now));
    c.phase = "tables";
  }
  const archive = c.archive;
  if (!archive) throw new Error("export cursor without its archive");
  while (c.phase !== "done" && out.rows < limits.rowsPerStep && out.bytes < limits.blobChunk) {
    if (c.phase === "tables") await tablePage(ctx, c, limits, now, out);
    else if (c.phase === "users") await usersPage(ctx, c, limits, now, out);
    else await blobPiece(ctx, bucket, c, limits, now, out);
  }
  if (c.phase === "done") {
    const last = [...tarFile("manifest.json", encoder.encode(`${JSON.stringify(manifest(ctx, row.id, c, now), null, 2)}\n`), now), tarEnd()];
    const size = await finishArchive(bucket, { ...archive }, [...out.chunks, ...last]);
    await saveExportStep(ctx, row.id, { cursor: { ...c, archive: null, pending: [] }, now, status: "ready", sizeBytes: size });
    return false;
  }
  const appended = await appendToArchive(bucket, archive, out.chunks, row.steps + 1);
  await saveExportStep(ctx, row.id, { cursor: { ...c, archive: appended.state }, now });
  if (appended.obsolete) await bucket.delete(appended.obsolete);
  return true;
}
