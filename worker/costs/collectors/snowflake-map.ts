import type { CostDraft } from "../draft";
import { parseQueryTag, snowflakeIdleCost, snowflakeQueryCost, type TaskRef } from "../snowflake";
import type { Row } from "../../connectors/snowflake/result-set";

/**
 * Snowflake ACCOUNT_USAGE rows (as the collector's statements in ./snowflake.ts project them, by column name) →
 * ledger drafts and table reads. No I/O: the links that need the database (dbt invocation → task) come in as a
 * function.
 */

const TIMESTAMP = `'YYYY-MM-DD"T"HH24:MI:SS.FF3TZH:TZM'`;
const ts = (column: string, as: string) => `to_varchar(${column}, ${TIMESTAMP}) as ${as}`;

/** The collector's own statements carry this tag, so its reads are left out of product usage. */
export const COLLECTOR_QUERY_TAG = "tutti:collector";

/**
 * Per-query compute credits (QUERY_ATTRIBUTION_HISTORY) with the query's tag, user and dbt invocation id from
 * QUERY_HISTORY. Bindings: the window's start and end, twice (QUERY_HISTORY, then the attribution view).
 */
export const QUERY_COST_SQL = `select a.query_id, coalesce(nullif(q.query_tag, ''), a.query_tag) as query_tag, coalesce(q.user_name, a.user_name) as user_name, q.role_name, a.warehouse_name, ${ts("a.start_time", "start_time")}, ${ts("a.end_time", "end_time")}, a.credits_attributed_compute, a.credits_used_query_acceleration, regexp_substr(q.query_text, '"invocation_id": *"([0-9a-f-]+)"', 1, 1, 'e', 1) as dbt_invocation_id
from snowflake.account_usage.query_attribution_history a
left join snowflake.account_usage.query_history q on q.query_id = a.query_id and q.start_time >= ?::timestamp_ltz and q.start_time < ?::timestamp_ltz
where a.start_time >= ?::timestamp_ltz and a.start_time < ?::timestamp_ltz
order by a.start_time, a.query_id`;

/** Hourly warehouse metering, for idle time. Bindings: the window's start and end. */
export const IDLE_SQL = `select warehouse_name, ${ts("start_time", "start_time")}, ${ts("end_time", "end_time")}, credits_used_compute, credits_attributed_compute_queries
from snowflake.account_usage.warehouse_metering_history
where start_time >= ?::timestamp_ltz and start_time < ?::timestamp_ltz
order by start_time, warehouse_name`;

/** Who read which base table, with the query's tag. Bindings: the window's start and end, twice. */
export const ACCESS_SQL = `select a.query_id, ${ts("a.query_start_time", "query_start_time")}, a.user_name, a.base_objects_accessed, q.query_tag
from snowflake.account_usage.access_history a
left join snowflake.account_usage.query_history q on q.query_id = a.query_id and q.start_time >= ?::timestamp_ltz and q.start_time < ?::timestamp_ltz
where a.query_start_time >= ?::timestamp_ltz and a.query_start_time < ?::timestamp_ltz
order by a.query_start_time, a.query_id`;

const time = (v: string | null | undefined): number | null => {
  if (!v) return null;
  const t = Date.parse(v);
  return Number.isNaN(t) ? null : t;
};

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === "object" && v !== null && !Array.isArray(v);

function jsonTag(tag: string | null | undefined): Record<string, unknown> | null {
  if (!tag?.trim().startsWith("{")) return null;
  try {
    const json: unknown = JSON.parse(tag);
    return isObject(json) ? json : null;
  } catch {
    return null;
  }
}

/** The dbt invocation behind a query: from its query comment (selected as DBT_INVOCATION_ID) or a JSON query tag. */
export function invocationOf(row: Row): string | null {
  if (row.DBT_INVOCATION_ID) return row.DBT_INVOCATION_ID;
  const id = jsonTag(row.QUERY_TAG)?.invocation_id;
  return typeof id === "string" && id ? id : null;
}

export interface PriceOpts {
  pricePerCredit: number;
  currency: string;
}

/** One draft per query with credits; rows whose credits are still null (not attributed yet) give none. */
export function queryCostDrafts(rows: Row[], opts: PriceOpts & { taskOfInvocation: (id: string) => TaskRef | null }): CostDraft[] {
  const out: CostDraft[] = [];
  for (const row of rows) {
    if (!row.QUERY_ID) continue;
    const invocation = invocationOf(row);
    const draft = snowflakeQueryCost(
      { externalRef: row.QUERY_ID, startedAt: time(row.START_TIME), endedAt: time(row.END_TIME), facts: row },
      { ...opts, fallback: invocation ? opts.taskOfInvocation(invocation) : null },
    );
    if (draft) out.push(draft);
  }
  return out;
}

/**
 * One draft per warehouse-hour. An hour whose queries used all of it gives a zero draft: a figure read earlier (before
 * CREDITS_ATTRIBUTED_COMPUTE_QUERIES, which lags up to 6 h, was filled in) is corrected to zero rather than left.
 */
export function idleDrafts(rows: Row[], opts: PriceOpts): CostDraft[] {
  const out: CostDraft[] = [];
  for (const row of rows) {
    const startedAt = time(row.START_TIME);
    if (!row.WAREHOUSE_NAME || startedAt === null || row.CREDITS_USED_COMPUTE === null) continue;
    const endedAt = time(row.END_TIME) ?? startedAt + 3_600_000;
    const shape = { warehouse: row.WAREHOUSE_NAME, startedAt, endedAt, meteredCredits: row.CREDITS_USED_COMPUTE };
    out.push(snowflakeIdleCost({ ...shape, attributedCredits: row.CREDITS_ATTRIBUTED_COMPUTE_QUERIES }, opts) ?? zeroIdle(shape, opts));
  }
  return out;
}

function zeroIdle(row: { warehouse: string; startedAt: number; endedAt: number }, opts: PriceOpts): CostDraft {
  return {
    source: "snowflake",
    externalRef: `idle:${row.warehouse}:${new Date(row.startedAt).toISOString()}`,
    amountMicros: 0,
    currency: opts.currency,
    quantity: 0,
    unit: "credits",
    startedAt: row.startedAt,
    endedAt: row.endedAt,
    description: `Idle time of warehouse ${row.warehouse}`,
    attribution: { warehouse: row.warehouse, splitByWarehouse: row.warehouse },
  };
}

/** The tool a query came from, by its tag: Tutti's own, `{"app": …}` JSON (dbt query tags), or a `tool:` prefix. */
export function toolOfTag(tag: string | null | undefined): string | null {
  if (!tag) return null;
  if (parseQueryTag(tag)) return "tutti";
  const json = jsonTag(tag);
  if (json) {
    const name = json.app ?? json.tool ?? json.application;
    return typeof name === "string" && name ? name.toLowerCase() : null;
  }
  const prefix = /^([A-Za-z][\w.-]{0,39}):/.exec(tag.trim());
  return prefix ? prefix[1].toLowerCase() : null;
}

export interface TableRead {
  /** Stable per query and table, so reading the same row again counts once. */
  eventId: string;
  /** DATABASE.SCHEMA.TABLE as Snowflake names it. */
  table: string;
  consumer: string;
  at: number;
}

/** Table domains of ACCESS_HISTORY's object lists (casing varies: "Table", "TABLE"). */
const tableDomains = new Set(["table", "view", "materialized view", "external table", "dynamic table", "iceberg table"]);

function objectsOf(value: string | null): Array<Record<string, unknown>> {
  if (!value) return [];
  try {
    const parsed: unknown = JSON.parse(value);
    return Array.isArray(parsed) ? parsed.filter(isObject) : [];
  } catch {
    return [];
  }
}

/** ACCESS_HISTORY rows → one read per (query, base table), by person and tool; the collector's own queries left out. */
export function tableReads(rows: Row[]): TableRead[] {
  const out: TableRead[] = [];
  for (const row of rows) {
    const at = time(row.QUERY_START_TIME);
    if (!row.QUERY_ID || at === null || row.QUERY_TAG === COLLECTOR_QUERY_TAG) continue;
    const tool = toolOfTag(row.QUERY_TAG);
    const consumer = `${row.USER_NAME ?? "unknown user"}${tool ? ` via ${tool}` : ""}`;
    const seen = new Set<string>();
    for (const o of objectsOf(row.BASE_OBJECTS_ACCESSED)) {
      const domain = typeof o.objectDomain === "string" ? o.objectDomain.toLowerCase() : "";
      const table = typeof o.objectName === "string" ? o.objectName : null;
      if (!table || !tableDomains.has(domain) || seen.has(table)) continue;
      seen.add(table);
      out.push({ eventId: `snowflake:${row.QUERY_ID}:${table}`, table, consumer, at });
    }
  }
  return out;
}
