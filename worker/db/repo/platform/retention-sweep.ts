import { sql, type SQL } from "drizzle-orm";
import type { TenantCtx } from "../../client";
import type { StoredKind } from "../../schema/enums";
import { queryAll, runBatch, stmt, type Stmt } from "../../statements";
import { countedKinds } from "./storage-usage";

/**
 * The retention sweep's reads and deletes (driven by the tenant's Durable Object: worker/retention/sweep.ts). Each
 * step picks at most `limit` rows past retention, oldest first, then removes exactly those rows and moves their
 * count and bytes from the tenant's usage to its removed totals in one D1 batch.
 */

const tables: Record<StoredKind, string> = {
  lineage_event: "lineage_events",
  webhook_payload: "webhook_deliveries",
  dbt_upload: "dbt_uploads",
  task_log: "task_logs",
  run_event: "run_events",
  audit_entry: "audit_log",
};

export interface ExpiredRow {
  rid: number;
  /** The R2 key of the row's body (raw events, webhook payloads), null for rows without one. */
  blobKey: string | null;
}

/** Raw lineage events, webhook deliveries and audit entries older than `cutoff`: nothing refers to them. */
export async function expiredRows(
  ctx: TenantCtx,
  kind: "lineage_event" | "webhook_payload" | "audit_entry",
  cutoff: number,
  limit: number,
): Promise<ExpiredRow[]> {
  const t = ctx.tenantId;
  const query: Record<typeof kind, SQL> = {
    lineage_event: sql`SELECT rowid AS rid, body_blob_key AS blob_key FROM lineage_events WHERE tenant_id = ${t} AND received_at < ${cutoff} ORDER BY received_at LIMIT ${limit}`,
    webhook_payload: sql`SELECT rowid AS rid, payload_blob_key AS blob_key FROM webhook_deliveries WHERE tenant_id = ${t} AND received_at < ${cutoff} ORDER BY received_at LIMIT ${limit}`,
    audit_entry: sql`SELECT rowid AS rid, NULL AS blob_key FROM audit_log WHERE tenant_id = ${t} AND at < ${cutoff} ORDER BY at LIMIT ${limit}`,
  };
  return (await queryAll<{ rid: number; blob_key: string | null }>(ctx, query[kind])).map((r) => ({ rid: r.rid, blobKey: r.blob_key }));
}

/**
 * Transition events older than `cutoff` of finished runs. The events of each pipeline's latest run stay, however
 * old: a pipeline's page and `tutti status` always show how its last run went.
 */
export async function expiredRunEvents(ctx: TenantCtx, cutoff: number, limit: number): Promise<number[]> {
  const t = ctx.tenantId;
  const rows = await queryAll<{ rid: number }>(
    ctx,
    sql`
    SELECT e.rowid AS rid FROM run_events e
    JOIN runs r ON r.tenant_id = e.tenant_id AND r.id = e.run_id
    WHERE e.tenant_id = ${t} AND e.at < ${cutoff} AND r.finished_at IS NOT NULL
      AND EXISTS (
        SELECT 1 FROM runs n WHERE n.tenant_id = r.tenant_id AND n.pipeline_id = r.pipeline_id
          AND (n.queued_at > r.queued_at OR (n.queued_at = r.queued_at AND n.id > r.id))
      )
    ORDER BY e.at LIMIT ${limit}`,
  );
  return rows.map((r) => r.rid);
}

/**
 * Task logs of finished runs queued before `cutoff` (they go with the run's history, at the run-event retention),
 * except those of each pipeline's latest run, whose page always shows how it went.
 */
export async function expiredTaskLogs(ctx: TenantCtx, cutoff: number, limit: number): Promise<Array<{ rid: number; blobKey: string }>> {
  const t = ctx.tenantId;
  const rows = await queryAll<{ rid: number; blob_key: string }>(
    ctx,
    sql`
    SELECT l.rowid AS rid, l.blob_key FROM task_logs l
    JOIN runs r ON r.tenant_id = l.tenant_id AND r.id = l.run_id
    WHERE l.tenant_id = ${t} AND r.queued_at < ${cutoff} AND r.finished_at IS NOT NULL
      AND EXISTS (
        SELECT 1 FROM runs n WHERE n.tenant_id = r.tenant_id AND n.pipeline_id = r.pipeline_id
          AND (n.queued_at > r.queued_at OR (n.queued_at = r.queued_at AND n.id > r.id))
      )
    ORDER BY l.fetched_at LIMIT ${limit}`,
  );
  return rows.map((r) => ({ rid: r.rid, blobKey: r.blob_key }));
}

export interface ExpiredUpload {
  rid: number;
  id: string;
  blobKeys: string[];
}

/**
 * dbt uploads beyond the newest `kept` of their project and environment that nothing refers to: not a project's
 * latest upload or latest manifest (the production state Slim CI defers to), nor the upload a dbt node's manifest
 * or last result came from.
 */
export async function expiredUploads(ctx: TenantCtx, kept: number, limit: number): Promise<ExpiredUpload[]> {
  const t = ctx.tenantId;
  const rows = await queryAll<{ rid: number; id: string; manifest_blob_key: string | null; run_results_blob_key: string | null }>(
    ctx,
    sql`
    WITH ranked AS (
      SELECT rowid AS rid, id, project_id, manifest_blob_key, run_results_blob_key,
        ROW_NUMBER() OVER (PARTITION BY project_id ORDER BY created_at DESC, id DESC) AS n
      FROM dbt_uploads WHERE tenant_id = ${t}
    )
    SELECT u.rid, u.id, u.manifest_blob_key, u.run_results_blob_key FROM ranked u
    JOIN dbt_projects p ON p.tenant_id = ${t} AND p.id = u.project_id
    WHERE u.n > ${kept}
      AND u.id IS NOT p.latest_upload_id AND u.id IS NOT p.latest_manifest_upload_id
      AND NOT EXISTS (
        SELECT 1 FROM dbt_nodes d WHERE d.tenant_id = ${t} AND d.project_id = u.project_id AND (d.manifest_upload_id = u.id OR d.last_upload_id = u.id)
      )
    ORDER BY u.n DESC LIMIT ${limit}`,
  );
  return rows.map((r) => ({ rid: r.rid, id: r.id, blobKeys: [r.manifest_blob_key, r.run_results_blob_key].filter((k): k is string => k !== null) }));
}

/**
 * Removes the rows `rowids` of `kind` and, in the same batch, moves them from the tenant's usage to its removed
 * totals (for kinds that count against the quota; the others only add to removed). The rows' R2 bytes are the
 * caller's, once the rows are gone (unreferencedBlobKeys). Returns how many rows it removed.
 */
export async function removeRows(ctx: TenantCtx, kind: StoredKind, rowids: number[]): Promise<number> {
  if (!rowids.length) return 0;
  const t = ctx.tenantId;
  const table = sql.raw(tables[kind]);
  const ids = JSON.stringify(rowids);
  const counted = kind in countedKinds ? countedKinds[kind as keyof typeof countedKinds].bytes : null;
  const bytes = sql.raw(counted ?? "0");
  const sign = counted ? -1 : 0;
  const statements: Stmt[] = [
    stmt(sql`
      INSERT INTO storage_usage (tenant_id, kind, bytes, objects, removed_bytes, removed_objects)
      SELECT ${t}, ${kind}, ${sign} * s.b, ${sign} * s.n, s.b, s.n FROM (
        SELECT COALESCE(SUM(${bytes}), 0) AS b, COUNT(*) AS n FROM ${table} WHERE tenant_id = ${t} AND rowid IN (SELECT value FROM json_each(${ids}))
      ) s WHERE true
      ON CONFLICT (tenant_id, kind) DO UPDATE SET bytes = bytes + excluded.bytes, objects = objects + excluded.objects,
        removed_bytes = removed_bytes + excluded.removed_bytes, removed_objects = removed_objects + excluded.removed_objects`),
    stmt(sql`DELETE FROM ${table} WHERE tenant_id = ${t} AND rowid IN (SELECT value FROM json_each(${ids}))`),
  ];
  const results = await runBatch(ctx, statements);
  return results[1].meta.changes;
}

/**
 * Of `keys`, those no remaining row of the tenant names (dbt uploads, webhook deliveries, raw lineage events): their
 * R2 objects can go. Content-addressed, one object can stand for many rows.
 */
export async function unreferencedBlobKeys(ctx: TenantCtx, keys: string[]): Promise<string[]> {
  if (!keys.length) return [];
  const t = ctx.tenantId;
  const rows = await queryAll<{ key: string }>(
    ctx,
    sql`
    SELECT DISTINCT j.value AS key FROM json_each(${JSON.stringify(keys)}) j
    WHERE NOT EXISTS (SELECT 1 FROM dbt_uploads u WHERE u.tenant_id = ${t} AND u.manifest_blob_key = j.value)
      AND NOT EXISTS (SELECT 1 FROM dbt_uploads u WHERE u.tenant_id = ${t} AND u.run_results_blob_key = j.value)
      AND NOT EXISTS (SELECT 1 FROM webhook_deliveries w WHERE w.tenant_id = ${t} AND w.payload_blob_key = j.value)
      AND NOT EXISTS (SELECT 1 FROM lineage_events e WHERE e.tenant_id = ${t} AND e.body_blob_key = j.value)`,
  );
  return rows.map((r) => r.key);
}
