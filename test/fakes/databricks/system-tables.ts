import { randomUUID } from "node:crypto";
import type { Reply } from "../scripting";

/**
 * SQL Statement Execution over Databricks system tables, as the fake serves it to the cost collector (CONTRACTS-2
 * §3a, §3b). Tests run in parallel against one fake, so each test registers the tables for a SQL warehouse of its own:
 *
 *   PUT /__fake/system-tables/{warehouse_id}  {usage: Row[], list_prices: Row[], table_lineage?: Row[]}
 *
 * Rows use the tables' column names: usage {record_id, account_id, workspace_id, sku_name, cloud, usage_start_time,
 * usage_end_time, usage_date, usage_unit, usage_quantity (decimal string), usage_metadata {job_id, job_run_id, …},
 * record_type, ingestion_date}; list_prices {price_start_time, price_end_time, sku_name, cloud, currency_code,
 * usage_unit, pricing {default, effective_list {default}}}. A usage row with `_hidden_reads: n` is left out of the
 * first n reads (records land within 12 h, corrections later). table_lineage {account_id, metastore_id, workspace_id,
 * entity_type, entity_id, entity_run_id, source_table_full_name, source_type, target_table_full_name, target_type,
 * created_by, event_time (ISO with offset), event_date, …} (§3b; no record_id, like older rows).
 *
 *   POST /api/2.0/sql/statements {statement, warehouse_id, parameters[{name, value, type}], …} → StatementResponse
 *   GET  /api/2.0/sql/statements/{id}, GET /api/2.0/sql/statements/{id}/result/chunks/{n} → ResultData
 *
 * A statement reading `system.billing.usage` is answered with the projection Tutti's collector selects
 * (worker/costs/collectors/databricks-map.ts): DBU rows with ingestion_date in [:from_day, :to_day] (and
 * :workspace_id when given) left-joined with the list price in force at usage_end_time; list_cost is the exact
 * decimal product with 18 decimals. A statement reading `system.access.table_lineage` is answered with the reads
 * projection: rows with a source table of type TABLE, VIEW or STREAMING_TABLE, event_date in [:from_day, :to_day],
 * event_time in [:from_time, :to_time) (and :workspace_id), ordered by event_time and source table. Results come in chunks of two rows linked by next_chunk_internal_link. A warehouse
 * with no tables registered answers FAILED with TABLE_OR_VIEW_NOT_FOUND (HTTP 200, like every failed statement).
 */
type Row = Record<string, unknown> & { _hidden_reads?: number };
const CHUNK_ROWS = 2;

const LINEAGE_COLUMNS: Array<[string, string]> = [
  ["entity_type", "STRING"],
  ["entity_id", "STRING"],
  ["entity_run_id", "STRING"],
  ["source_table_full_name", "STRING"],
  ["created_by", "STRING"],
  ["event_time", "STRING"],
];

const COLUMNS: Array<[string, string]> = [
  ["record_id", "STRING"],
  ["workspace_id", "STRING"],
  ["sku_name", "STRING"],
  ["usage_unit", "STRING"],
  ["usage_quantity", "STRING"],
  ["record_type", "STRING"],
  ["usage_start_time", "STRING"],
  ["usage_end_time", "STRING"],
  ["job_id", "STRING"],
  ["job_run_id", "STRING"],
  ["currency_code", "STRING"],
  ["list_cost", "STRING"],
];

/** a × b for decimal strings, with 18 decimals (Databricks DECIMAL arithmetic, written independently of Tutti's). */
function multiply(a: string, b: string): string {
  const scale = (s: string) => (s.split(".")[1] ?? "").length;
  const digits = (s: string) => BigInt(s.replace(".", ""));
  const product = digits(a) * digits(b);
  const shift = 18 - scale(a) - scale(b);
  const scaled = shift >= 0 ? product * 10n ** BigInt(shift) : product / 10n ** BigInt(-shift);
  const negative = scaled < 0n;
  const abs = (negative ? -scaled : scaled).toString().padStart(19, "0");
  return `${negative ? "-" : ""}${abs.slice(0, -18)}.${abs.slice(-18)}`;
}

const text = (v: unknown): string | null => (v === null || v === undefined ? null : String(v));

interface Statement {
  id: string;
  columns: Array<[string, string]>;
  rows: Array<Array<string | null>>;
}

export function createSystemTables(fail: (status: number, code: string, message: string) => Reply) {
  const tables = new Map<string, { usage: Row[]; list_prices: Row[]; table_lineage: Row[] }>();
  const statements = new Map<string, Statement>();
  const reads = new Map<string, number>();

  const chunk = (st: Statement, index: number) => {
    const data = st.rows.slice(index * CHUNK_ROWS, (index + 1) * CHUNK_ROWS);
    const chunks = Math.max(1, Math.ceil(st.rows.length / CHUNK_ROWS));
    return {
      chunk_index: index,
      row_offset: index * CHUNK_ROWS,
      row_count: data.length,
      data_array: data,
      ...(index + 1 < chunks ? { next_chunk_index: index + 1, next_chunk_internal_link: `/api/2.0/sql/statements/${st.id}/result/chunks/${index + 1}` } : {}),
    };
  };

  const response = (st: Statement) => {
    const chunks = Math.max(1, Math.ceil(st.rows.length / CHUNK_ROWS));
    return {
      statement_id: st.id,
      status: { state: "SUCCEEDED" },
      manifest: {
        format: "JSON_ARRAY",
        schema: {
          column_count: st.columns.length,
          columns: st.columns.map(([name, type], position) => ({ name, type_name: type, type_text: type, position })),
        },
        total_chunk_count: chunks,
        chunks: Array.from({ length: chunks }, (_, i) => ({
          chunk_index: i,
          row_offset: i * CHUNK_ROWS,
          row_count: Math.min(CHUNK_ROWS, st.rows.length - i * CHUNK_ROWS),
        })),
        total_row_count: st.rows.length,
        truncated: false,
      },
      result: chunk(st, 0),
    };
  };

  function execute(body: Record<string, unknown>): Reply {
    const statement = String(body.statement ?? "");
    const warehouse = String(body.warehouse_id ?? "");
    if (!statement) return fail(400, "INVALID_PARAMETER_VALUE", "statement is required");
    if (!warehouse) return fail(400, "INVALID_PARAMETER_VALUE", "warehouse_id is required");
    const data = tables.get(warehouse);
    if (data && /from\s+system\.access\.table_lineage/i.test(statement)) return lineage(data.table_lineage, body);
    if (!data || !/from\s+system\.billing\.usage/i.test(statement))
      return {
        status: 200,
        body: {
          statement_id: randomUUID(),
          status: {
            state: "FAILED",
            sql_state: "42P01",
            error: { error_code: "BAD_REQUEST", message: "[TABLE_OR_VIEW_NOT_FOUND] The table or view `system`.`billing`.`usage` cannot be found." },
          },
        },
      };
    const params = new Map(((body.parameters as Array<{ name: string; value: string }>) ?? []).map((p) => [p.name, p.value]));
    const n = (reads.get(warehouse) ?? 0) + 1;
    reads.set(warehouse, n);
    const from = params.get("from_day") ?? "0000-00-00";
    const to = params.get("to_day") ?? "9999-99-99";
    const workspace = params.get("workspace_id");
    const rows = data.usage
      .filter((u) => (u._hidden_reads ?? 0) < n)
      .filter((u) => u.usage_unit === "DBU" && String(u.ingestion_date) >= from && String(u.ingestion_date) <= to)
      .filter((u) => workspace === undefined || String(u.workspace_id) === workspace)
      .sort((a, b) => String(a.ingestion_date).localeCompare(String(b.ingestion_date)) || String(a.record_id).localeCompare(String(b.record_id)))
      .map((u) => {
        const end = Date.parse(String(u.usage_end_time));
        const price = data.list_prices.find(
          (p) =>
            p.sku_name === u.sku_name &&
            p.cloud === u.cloud &&
            p.usage_unit === u.usage_unit &&
            end >= Date.parse(String(p.price_start_time)) &&
            (p.price_end_time === null || p.price_end_time === undefined || end < Date.parse(String(p.price_end_time))),
        );
        const meta = (u.usage_metadata ?? {}) as Record<string, unknown>;
        const effective = (price?.pricing as { effective_list?: { default?: string } } | undefined)?.effective_list?.default;
        return [
          text(u.record_id),
          text(u.workspace_id),
          text(u.sku_name),
          text(u.usage_unit),
          text(u.usage_quantity),
          text(u.record_type),
          text(u.usage_start_time),
          text(u.usage_end_time),
          text(meta.job_id),
          text(meta.job_run_id),
          text(price?.currency_code),
          effective ? multiply(String(u.usage_quantity), effective) : null,
        ];
      });
    return answer(COLUMNS, rows);
  }

  function answer(columns: Array<[string, string]>, rows: Array<Array<string | null>>): Reply {
    const st: Statement = { id: randomUUID(), columns, rows };
    statements.set(st.id, st);
    return { status: 200, body: response(st) };
  }

  function lineage(rows: Row[], body: Record<string, unknown>): Reply {
    const params = new Map(((body.parameters as Array<{ name: string; value: string }>) ?? []).map((p) => [p.name, p.value]));
    const fromDay = params.get("from_day") ?? "0000-00-00";
    const toDay = params.get("to_day") ?? "9999-99-99";
    const from = Date.parse(params.get("from_time") ?? "1970-01-01T00:00:00Z");
    const to = Date.parse(params.get("to_time") ?? "9999-12-31T00:00:00Z");
    const workspace = params.get("workspace_id");
    const out = rows
      .filter((r) => r.source_table_full_name && ["TABLE", "VIEW", "STREAMING_TABLE"].includes(String(r.source_type)))
      .filter((r) => String(r.event_date) >= fromDay && String(r.event_date) <= toDay)
      .filter((r) => Date.parse(String(r.event_time)) >= from && Date.parse(String(r.event_time)) < to)
      .filter((r) => workspace === undefined || String(r.workspace_id) === workspace)
      .sort(
        (a, b) =>
          Date.parse(String(a.event_time)) - Date.parse(String(b.event_time)) ||
          String(a.source_table_full_name).localeCompare(String(b.source_table_full_name)),
      )
      .map((r) => LINEAGE_COLUMNS.map(([name]) => text(r[name])));
    return answer(LINEAGE_COLUMNS, out);
  }

  return {
    register: (warehouse: string, body: { usage?: Row[]; list_prices?: Row[]; table_lineage?: Row[] }) =>
      tables.set(warehouse, { usage: body.usage ?? [], list_prices: body.list_prices ?? [], table_lineage: body.table_lineage ?? [] }),
    /** Handles /api/2.0/sql/statements…; null for other paths. */
    handle(method: string, parts: string[], body: Record<string, unknown>): Reply | null {
      if (parts[0] !== "api" || parts[1] !== "2.0" || parts[2] !== "sql" || parts[3] !== "statements") return null;
      if (method === "POST" && parts.length === 4) return execute(body);
      const st = statements.get(parts[4] ?? "");
      if (!st) return fail(404, "NOT_FOUND", `Statement ${parts[4]} not found.`);
      if (method === "GET" && parts.length === 5) return { status: 200, body: response(st) };
      if (method === "GET" && parts[5] === "result" && parts[6] === "chunks") return { status: 200, body: chunk(st, Number(parts[7])) };
      return fail(404, "ENDPOINT_NOT_FOUND", `No API found for '${method} /${parts.join("/")}'`);
    },
  };
}
