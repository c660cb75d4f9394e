import { sql } from "drizzle-orm";
import type { Db, TenantCtx } from "../../client";
import type { DbtArtifactKind } from "../../schema/enums";
import { rawRows, stmt, type Stmt } from "../../statements";

/**
 * Bytes kept in D1 before R2, for the one-off copy (`npm run blobs:migrate`: worker/blobs/copy-legacy.ts): dbt
 * artifact pieces (`dbt_artifact_chunks`, a table migration 0025 drops once it is empty), webhook payloads
 * (`webhook_deliveries.payload`) and raw lineage event bodies (`lineage_events.body`, `body_gzip`). Only the copy
 * reads across tenants, page by page in key order; everything it writes is per tenant. Raw SQL throughout: the
 * chunks table is no longer in the schema.
 */

export interface Cursor {
  tenantId: string;
  id: string;
  kind: string;
}

/** Whether the legacy chunks table still exists (the migration that drops it refuses to run while it has rows). */
export async function chunksTableExists(db: Db): Promise<boolean> {
  const rows = await db.values(sql`SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'dbt_artifact_chunks'`);
  return rows.length > 0;
}

/** Artifacts still kept as D1 chunks, after `after` (id: the upload id). */
export async function artifactsInChunks(db: Db, after: Cursor, limit: number): Promise<Array<{ tenantId: string; uploadId: string; kind: DbtArtifactKind }>> {
  const rows = await db.values<[string, string, DbtArtifactKind]>(sql`
    SELECT DISTINCT tenant_id, upload_id, kind FROM dbt_artifact_chunks
    WHERE (tenant_id, upload_id, kind) > (${after.tenantId}, ${after.id}, ${after.kind})
    ORDER BY tenant_id, upload_id, kind LIMIT ${limit}`);
  return rows.map(([tenantId, uploadId, kind]) => ({ tenantId, uploadId, kind }));
}

/** The stored pieces of one artifact, in order; each is read on its own to keep every D1 response small. */
export async function readArtifactChunks(ctx: TenantCtx, uploadId: string, kind: DbtArtifactKind): Promise<Uint8Array[]> {
  const seqs = await rawRows(
    ctx,
    sql`SELECT seq FROM dbt_artifact_chunks WHERE tenant_id = ${ctx.tenantId} AND upload_id = ${uploadId} AND kind = ${kind} ORDER BY seq`,
  );
  const out: Uint8Array[] = [];
  for (const [seq] of seqs) {
    const [row] = await rawRows(
      ctx,
      sql`SELECT data FROM dbt_artifact_chunks WHERE tenant_id = ${ctx.tenantId} AND upload_id = ${uploadId} AND kind = ${kind} AND seq = ${seq}`,
    );
    const data = row[0] as ArrayBuffer | number[];
    out.push(data instanceof ArrayBuffer ? new Uint8Array(data) : Uint8Array.from(data));
  }
  return out;
}

/** Chunks of an artifact, removed once copied (or when no upload row names them: nothing can read those). */
export function deleteArtifactChunks(ctx: TenantCtx, uploadId: string, kind: DbtArtifactKind): Stmt {
  return stmt(sql`DELETE FROM dbt_artifact_chunks WHERE tenant_id = ${ctx.tenantId} AND upload_id = ${uploadId} AND kind = ${kind}`);
}

/** Records where an artifact's bytes now live and removes its D1 chunks, together. */
export function artifactMovedStatements(ctx: TenantCtx, uploadId: string, kind: DbtArtifactKind, key: string): Stmt[] {
  const column = sql.raw(kind === "manifest" ? "manifest_blob_key" : "run_results_blob_key");
  return [
    stmt(sql`UPDATE dbt_uploads SET ${column} = ${key} WHERE tenant_id = ${ctx.tenantId} AND id = ${uploadId}`),
    deleteArtifactChunks(ctx, uploadId, kind),
  ];
}

export interface LegacyBody {
  tenantId: string;
  id: string;
  text: string | null;
  gzip: Uint8Array | null;
  sizeBytes: number;
}

/** Webhook deliveries whose payload is still in D1, after `after`. */
export async function payloadsInD1(db: Db, after: Cursor, limit: number): Promise<LegacyBody[]> {
  const rows = await db.all<{ tenant_id: string; id: string; payload: string; payload_bytes: number }>(sql`
    SELECT tenant_id, id, payload, payload_bytes FROM webhook_deliveries
    WHERE payload IS NOT NULL AND (tenant_id, id) > (${after.tenantId}, ${after.id})
    ORDER BY tenant_id, id LIMIT ${limit}`);
  return rows.map((r) => ({ tenantId: r.tenant_id, id: r.id, text: r.payload, gzip: null, sizeBytes: r.payload_bytes }));
}

/** Raw lineage events whose body is still in D1 (text or gzip), after `after`. */
export async function eventBodiesInD1(db: Db, after: Cursor, limit: number): Promise<LegacyBody[]> {
  const rows = await db.all<{ tenant_id: string; id: string; body: string | null; body_gzip: ArrayBuffer | number[] | null; size_bytes: number }>(sql`
    SELECT tenant_id, id, body, body_gzip, size_bytes FROM lineage_events
    WHERE (body IS NOT NULL OR body_gzip IS NOT NULL) AND (tenant_id, id) > (${after.tenantId}, ${after.id})
    ORDER BY tenant_id, id LIMIT ${limit}`);
  return rows.map((r) => ({
    tenantId: r.tenant_id,
    id: r.id,
    text: r.body,
    gzip: r.body_gzip === null ? null : r.body_gzip instanceof ArrayBuffer ? new Uint8Array(r.body_gzip) : Uint8Array.from(r.body_gzip),
    sizeBytes: r.size_bytes,
  }));
}

/** Points a row at its body's R2 object and empties its D1 copy (only if it still holds one). */
export function bodyMovedStatement(ctx: TenantCtx, table: "webhook_deliveries" | "lineage_events", id: string, moved: { sha256: string; key: string }): Stmt {
  return table === "webhook_deliveries"
    ? stmt(sql`
        UPDATE webhook_deliveries SET payload_sha256 = ${moved.sha256}, payload_blob_key = ${moved.key}, payload = NULL
        WHERE tenant_id = ${ctx.tenantId} AND id = ${id} AND payload IS NOT NULL`)
    : stmt(sql`
        UPDATE lineage_events SET body_sha256 = ${moved.sha256}, body_blob_key = ${moved.key}, body = NULL, body_gzip = NULL
        WHERE tenant_id = ${ctx.tenantId} AND id = ${id} AND (body IS NOT NULL OR body_gzip IS NOT NULL)`);
}
