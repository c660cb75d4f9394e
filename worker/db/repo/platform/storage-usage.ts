import { and, eq, sql, type SQL } from "drizzle-orm";
import type { Db, TenantCtx } from "../../client";
import { storageUsage, tenantQuotas } from "../../schema";
import type { StoredKind } from "../../schema/enums";
import { queryAll } from "../../statements";

/**
 * The table behind each kind that counts against the storage quota, and the bytes one row stands for (as received:
 * a raw event's or payload's size, a dbt upload's artifacts before compression, a task log as stored in R2).
 */
export const countedKinds = {
  lineage_event: { table: "lineage_events", bytes: "size_bytes" },
  webhook_payload: { table: "webhook_deliveries", bytes: "payload_bytes" },
  dbt_upload: { table: "dbt_uploads", bytes: "COALESCE(manifest_bytes, 0) + COALESCE(run_results_bytes, 0)" },
  task_log: { table: "task_logs", bytes: "bytes" },
} as const satisfies Partial<Record<StoredKind, { table: string; bytes: string }>>;
export type CountedKind = keyof typeof countedKinds;

/**
 * Adds to the tenant's usage the rows of `kind` with the given ids, as they stand where the statements sit in their
 * batch: placed after the inserts, they count what this batch stored and nothing a concurrent copy stored (ids are
 * new per attempt, so a row that lost its insert to a duplicate is not found under its id). Drizzle builders, so
 * they go into `db.batch` as they are and into `runBatch` through `fromBuilder`.
 */
export function usageAddedStatements(ctx: TenantCtx, kind: CountedKind, ids: string[]) {
  const { table, bytes } = countedKinds[kind];
  const rows = sql`FROM json_each(${JSON.stringify(ids)}) j CROSS JOIN ${sql.raw(table)} t ON t.tenant_id = ${ctx.tenantId} AND t.id = j.value`;
  return [
    ctx.db.insert(storageUsage).values({ tenantId: ctx.tenantId, kind }).onConflictDoNothing(),
    ctx.db
      .update(storageUsage)
      .set({
        // The byte columns are named apart from storage_usage's own, so they resolve to the counted table.
        bytes: sql`${storageUsage.bytes} + (SELECT COALESCE(SUM(${sql.raw(bytes)}), 0) ${rows})`,
        objects: sql`${storageUsage.objects} + (SELECT COUNT(*) ${rows})`,
      })
      .where(and(eq(storageUsage.tenantId, ctx.tenantId), eq(storageUsage.kind, kind))),
  ] as const;
}

export interface UsageRow {
  kind: StoredKind;
  bytes: number;
  objects: number;
  removedBytes: number;
  removedObjects: number;
}

export async function listUsage(ctx: TenantCtx): Promise<UsageRow[]> {
  return ctx.db
    .select({
      kind: storageUsage.kind,
      bytes: storageUsage.bytes,
      objects: storageUsage.objects,
      removedBytes: storageUsage.removedBytes,
      removedObjects: storageUsage.removedObjects,
    })
    .from(storageUsage)
    .where(eq(storageUsage.tenantId, ctx.tenantId));
}

export interface QuotaOverrides {
  storageBytes: number | null;
  objects: number | null;
  ingestPerMinute: number | null;
  updatedAt: number | null;
}

/** The quotas an operator set for the tenant (null: the default). */
export async function getQuotaOverrides(ctx: TenantCtx): Promise<QuotaOverrides> {
  const [row] = await ctx.db.select().from(tenantQuotas).where(eq(tenantQuotas.tenantId, ctx.tenantId)).limit(1);
  return row
    ? { storageBytes: row.storageBytes, objects: row.objects, ingestPerMinute: row.ingestPerMinute, updatedAt: row.updatedAt }
    : { storageBytes: null, objects: null, ingestPerMinute: null, updatedAt: null };
}

export type QuotaState = { overrides: QuotaOverrides; bytes: number; objects: number; retentionArmed: boolean };

interface QuotaStateRow {
  storage_bytes: number | null;
  objects_quota: number | null;
  ingest_per_minute: number | null;
  updated_at: number | null;
  bytes: number;
  objects: number;
  armed_at: number | null;
}

/** What a write checks before it stores: the overrides, the stored totals, and whether retention is armed. */
export async function quotaState(ctx: TenantCtx): Promise<QuotaState> {
  const [row] = await queryAll<QuotaStateRow>(ctx, quotaStateQuery(ctx));
  return quotaStateOf(row);
}

/** quotaState's query, for a batch of reads (`quotaStateOf` reads its row). */
export function quotaStateQuery(ctx: TenantCtx): SQL {
  return sql`
    SELECT q.storage_bytes, q.objects AS objects_quota, q.ingest_per_minute, q.updated_at,
      (SELECT COALESCE(SUM(bytes), 0) FROM storage_usage WHERE tenant_id = ${ctx.tenantId}) AS bytes,
      (SELECT COALESCE(SUM(objects), 0) FROM storage_usage WHERE tenant_id = ${ctx.tenantId}) AS objects,
      (SELECT armed_at FROM retention_settings WHERE tenant_id = ${ctx.tenantId}) AS armed_at
    FROM (SELECT 1) LEFT JOIN tenant_quotas q ON q.tenant_id = ${ctx.tenantId}`;
}

export function quotaStateOf(found: object | undefined): QuotaState {
  const row = found as QuotaStateRow | undefined;
  return {
    overrides: {
      storageBytes: row?.storage_bytes ?? null,
      objects: row?.objects_quota ?? null,
      ingestPerMinute: row?.ingest_per_minute ?? null,
      updatedAt: row?.updated_at ?? null,
    },
    bytes: row?.bytes ?? 0,
    objects: row?.objects ?? 0,
    retentionArmed: row?.armed_at != null,
  };
}

/**
 * Operators only (scripts/quotas.ts): sets the given quotas of one tenant; `null` returns one to its default. Not
 * tenant-scoped by a principal on purpose: no tenant can reach it through the API.
 */
export async function setQuotaOverrides(db: Db, tenantId: string, change: Partial<Omit<QuotaOverrides, "updatedAt">>, now: number) {
  await db
    .insert(tenantQuotas)
    .values({ tenantId, storageBytes: null, objects: null, ingestPerMinute: null, ...change, updatedAt: now })
    .onConflictDoUpdate({ target: tenantQuotas.tenantId, set: { ...change, updatedAt: now } });
}
