import type { Row } from "../../connectors/databricks/statements";
import { fixedToMicros, fixedToNumber, parseDecimal, priceMicros } from "../decimal";
import type { CostDraft } from "../draft";
import type { TaskRef } from "../snowflake";
import { sha256Hex } from "../../lib/hash";
import type { TableRead } from "./snowflake-map";

/**
 * Databricks `system.billing.usage` rows joined with `system.billing.list_prices` (CONTRACTS-2 §3b) → ledger drafts,
 * one per usage record: `record_id` is the dedupe key, and RETRACTION / RESTATEMENT rows are records of their own
 * (a retraction's quantity is negative), so the ledger's sum per job run is the corrected figure. No I/O.
 */

/**
 * DBU usage ingested on days [from_day, to_day], priced at the list price in force when the usage ended; the
 * workspace filter applies when the connection names its workspace id.
 */
export function usageSql(withWorkspace: boolean): string {
  return `select u.record_id, cast(u.workspace_id as string) as workspace_id, u.sku_name, u.usage_unit, cast(u.usage_quantity as string) as usage_quantity, u.record_type,
  date_format(u.usage_start_time, "yyyy-MM-dd'T'HH:mm:ss.SSSXXX") as usage_start_time, date_format(u.usage_end_time, "yyyy-MM-dd'T'HH:mm:ss.SSSXXX") as usage_end_time,
  cast(u.usage_metadata.job_id as string) as job_id, cast(u.usage_metadata.job_run_id as string) as job_run_id,
  p.currency_code, cast(u.usage_quantity * p.pricing.effective_list.default as string) as list_cost
from system.billing.usage u
left join system.billing.list_prices p on u.sku_name = p.sku_name and u.cloud = p.cloud and u.usage_unit = p.usage_unit
  and u.usage_end_time >= p.price_start_time and (p.price_end_time is null or u.usage_end_time < p.price_end_time)
where u.usage_unit = 'DBU' and u.ingestion_date >= :from_day and u.ingestion_date <= :to_day${withWorkspace ? " and u.workspace_id = :workspace_id" : ""}
order by u.ingestion_date, u.record_id`;
}

export interface DatabricksPriceOpts {
  currency: string;
  /** The tenant's price per DBU, used when the list price is missing or in another currency. */
  pricePerDbu: number;
  taskOfJobRun: (jobRunId: string) => TaskRef | null;
}

export function usageDrafts(rows: Row[], opts: DatabricksPriceOpts): CostDraft[] {
  const out: CostDraft[] = [];
  for (const row of rows) {
    const quantity = parseDecimal(row.usage_quantity);
    const startedAt = row.usage_start_time ? Date.parse(row.usage_start_time) : Number.NaN;
    if (!row.record_id || quantity === null || Number.isNaN(startedAt)) continue;
    const endedAt = row.usage_end_time ? Date.parse(row.usage_end_time) : Number.NaN;
    const listCost = row.currency_code === opts.currency ? parseDecimal(row.list_cost) : null;
    const task = row.job_run_id ? opts.taskOfJobRun(row.job_run_id) : null;
    const kind = row.record_type && row.record_type !== "ORIGINAL" ? ` (${row.record_type.toLowerCase()})` : "";
    out.push({
      source: "databricks",
      externalRef: row.record_id,
      amountMicros: listCost !== null ? fixedToMicros(listCost) : priceMicros(quantity, opts.pricePerDbu),
      currency: opts.currency,
      quantity: fixedToNumber(quantity),
      unit: "dbu",
      startedAt,
      endedAt: Number.isNaN(endedAt) ? null : endedAt,
      description: `${row.sku_name ?? "Databricks usage"}${row.job_run_id ? ` · job run ${row.job_run_id}` : ""}${kind}`,
      attribution: { runId: task?.runId ?? null, taskKey: task?.taskKey ?? null },
    });
  }
  return out;
}

/**
 * Table reads from `system.access.table_lineage` (CONTRACTS-2 §3b): rows whose source is a Unity Catalog table, view
 * or streaming table, with event_date in [:from_day, :to_day] (the table is partitioned by it) and event_time in
 * [:from_time, :to_time). Path reads (source_path only) name no table and are left out.
 */
export function lineageReadsSql(withWorkspace: boolean): string {
  return `select entity_type, entity_id, entity_run_id, source_table_full_name, created_by, date_format(event_time, "yyyy-MM-dd'T'HH:mm:ss.SSSXXX") as event_time
from system.access.table_lineage
where source_table_full_name is not null and source_type in ('TABLE', 'VIEW', 'STREAMING_TABLE')
  and event_date >= :from_day and event_date <= :to_day and event_time >= :from_time and event_time < :to_time${withWorkspace ? " and workspace_id = :workspace_id" : ""}
order by event_time, source_table_full_name`;
}

/**
 * table_lineage rows → one read per row and source table, by person (`created_by`) and tool (`entity_type`, e.g.
 * `… via dbsql_query`). Older rows carry no record id, so the event id is a hash of the columns that make a read:
 * event time, entity type, id and run, reader and source table. The target is left out, so a statement writing two
 * tables from one source counts one read, and reading the same rows again counts once.
 */
export async function lineageReads(rows: Row[]): Promise<TableRead[]> {
  const out: TableRead[] = [];
  const seen = new Set<string>();
  for (const row of rows) {
    const at = row.event_time ? Date.parse(row.event_time) : Number.NaN;
    const table = row.source_table_full_name;
    if (!table || Number.isNaN(at)) continue;
    const key = [new Date(at).toISOString(), row.entity_type, row.entity_id, row.entity_run_id, row.created_by, table].map((v) => v ?? "").join("\u0000");
    if (seen.has(key)) continue;
    seen.add(key);
    const tool = row.entity_type ? row.entity_type.toLowerCase() : null;
    const consumer = `${row.created_by ?? "unknown user"}${tool ? ` via ${tool}` : ""}`;
    out.push({ eventId: `databricks:${await sha256Hex(key)}`, table, consumer, at });
  }
  return out;
}
