import { sql } from "drizzle-orm";
import { dayOf } from "../../../costs/period";
import type { UsageKind } from "../../schema/enums";
import type { TenantCtx } from "../../client";
import { queryAll, runBatch, stmt, type Stmt } from "../../statements";
import { chunkRows } from "../../bulk";

/**
 * Usage events and their daily rollup. An event names a product, or a dataset (it then counts for every
 * product the dataset belongs to). Event ids make re-sent batches count once; the rollup of every
 * (product, day) a batch touches is rebuilt from the events in the same D1 batch.
 */

export interface UsageRow {
  id: string;
  productId: string;
  datasetId: string | null;
  consumer: string;
  kind: UsageKind;
  count: number;
  at: number;
}

const v = (i: number) => sql.raw(`r.value ->> '$[${i}]'`);

/**
 * Stores events (already expanded to one row per product) and rebuilds the touched rollups. Returns rows newly stored
 * (with `replace`, also rows whose count or consumer changed). `keep`: an id seen before counts once, as sent first
 * (clients re-sending a batch). `replace`: a collector's re-read count replaces the stored one (a BI tool's day that
 * grew or was corrected), in the same statement, so a re-read never adds.
 */
export async function ingestUsage(ctx: TenantCtx, rows: UsageRow[], onRepeat: "keep" | "replace" = "keep"): Promise<number> {
  if (!rows.length) return 0;
  const t = ctx.tenantId;
  const inserts: Stmt[] = chunkRows(rows.map((r) => [r.id, r.productId, r.datasetId, r.consumer, r.kind, r.count, r.at, dayOf(r.at)])).map((payload) =>
    stmt(sql`
      INSERT INTO usage_events (tenant_id, id, product_id, dataset_id, consumer, kind, count, at, day)
      SELECT ${t}, ${v(0)}, ${v(1)}, ${v(2)}, ${v(3)}, ${v(4)}, ${v(5)}, ${v(6)}, ${v(7)}
      FROM json_each(${payload}) r WHERE true
      ON CONFLICT (tenant_id, id, product_id) ${
        onRepeat === "keep"
          ? sql`DO NOTHING`
          : sql`DO UPDATE SET count = excluded.count, consumer = excluded.consumer, kind = excluded.kind
                WHERE usage_events.count <> excluded.count OR usage_events.consumer <> excluded.consumer OR usage_events.kind <> excluded.kind`
      }`),
  );
  const keys = JSON.stringify([...new Set(rows.map((r) => `${r.productId}\u0000${dayOf(r.at)}`))].map((k) => k.split("\u0000")));
  const rebuild: Stmt[] = [
    stmt(sql`
      DELETE FROM usage_daily WHERE tenant_id = ${t} AND EXISTS (
        SELECT 1 FROM json_each(${keys}) r WHERE usage_daily.product_id = ${v(0)} AND usage_daily.day = ${v(1)})`),
    stmt(sql`
      INSERT INTO usage_daily (tenant_id, product_id, day, kind, consumer, count)
      SELECT e.tenant_id, e.product_id, e.day, e.kind, e.consumer, sum(e.count)
      FROM json_each(${keys}) r CROSS JOIN usage_events e ON e.tenant_id = ${t} AND e.product_id = ${v(0)} AND e.day = ${v(1)}
      GROUP BY e.product_id, e.day, e.kind, e.consumer`),
  ];
  const results = await runBatch(ctx, [...inserts, ...rebuild]);
  return results.slice(0, inserts.length).reduce((a, r) => a + (r.meta?.changes ?? 0), 0);
}

/** Each product's last day with usage, ever (products never used are absent). */
export async function lastUseDays(ctx: TenantCtx, productIds: string[]): Promise<Map<string, string>> {
  if (!productIds.length) return new Map();
  const rows = await queryAll<{ product_id: string; day: string }>(
    ctx,
    sql`SELECT product_id, max(day) AS day FROM usage_daily
        WHERE tenant_id = ${ctx.tenantId} AND product_id IN (SELECT value FROM json_each(${JSON.stringify(productIds)})) AND count > 0
        GROUP BY product_id`,
  );
  return new Map(rows.map((r) => [r.product_id, r.day]));
}

export interface UsagePoint {
  day: string;
  kind: UsageKind;
  count: number;
}

/** Daily usage of a product by kind, `from`–`to` inclusive. */
export async function usageSeries(ctx: TenantCtx, productId: string, from: string, to: string): Promise<UsagePoint[]> {
  return queryAll<UsagePoint>(
    ctx,
    sql`SELECT day, kind, sum(count) AS count FROM usage_daily
        WHERE tenant_id = ${ctx.tenantId} AND product_id = ${productId} AND day >= ${from} AND day <= ${to}
        GROUP BY day, kind ORDER BY day, kind`,
  );
}

/** Top consumers of a product in a range. */
export async function topConsumers(ctx: TenantCtx, productId: string, from: string, to: string, limit: number) {
  return queryAll<{ consumer: string; count: number }>(
    ctx,
    sql`SELECT consumer, sum(count) AS count FROM usage_daily
        WHERE tenant_id = ${ctx.tenantId} AND product_id = ${productId} AND day >= ${from} AND day <= ${to} AND consumer <> ''
        GROUP BY consumer ORDER BY count DESC, consumer LIMIT ${limit}`,
  );
}
