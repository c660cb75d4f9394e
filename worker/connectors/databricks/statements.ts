import { ConnectorError } from "../http-errors";
import { field, str } from "../tool-http";
import { databricksClient } from "./client";
import type { DatabricksConfig } from "./schema";

/**
 * Reads of the SQL Statement Execution API (CONTRACTS-2 §3a), by column name: `manifest.schema.columns[]` names the
 * columns by `position`, `result.data_array` holds strings or nulls, and chunks follow `next_chunk_internal_link`.
 */
export type Cell = string | null;
export type Row = Record<string, Cell>;

export interface StatementParameter {
  name: string;
  value: string;
  type: "STRING" | "DATE" | "TIMESTAMP" | "INT";
}

const running = new Set(["PENDING", "RUNNING"]);
const MAX_STATUS_READS = 20;
const STATUS_WAIT_MS = 3000;
/** A collector window never needs more; a result that does is cut off rather than followed forever. */
const MAX_CHUNKS = 1000;

/** The statement's state, or throws its error (FAILED, CANCELED, CLOSED). */
export function statementOutcome(json: unknown): "running" | "succeeded" {
  const status = field(json, "status");
  const state = str(field(status, "state"));
  if (state === "SUCCEEDED") return "succeeded";
  if (state && running.has(state)) return "running";
  const error = field(status, "error");
  const code = str(field(error, "error_code"));
  const message = str(field(error, "message"));
  throw new ConnectorError({
    kind: "tool_failure",
    message: `the Databricks statement ended ${state ?? "without a state"}${code || message ? `: ${[code, message].filter(Boolean).join(": ")}` : ""}`,
  });
}

/** Column names by position from the manifest. */
export function manifestColumns(json: unknown): string[] {
  const columns = field(field(field(json, "manifest"), "schema"), "columns");
  if (!Array.isArray(columns)) throw new ConnectorError({ kind: "tool_failure", message: "the Databricks result has no manifest.schema.columns" });
  const out: string[] = [];
  columns.forEach((c, i) => {
    const position = field(c, "position");
    out[typeof position === "number" ? position : i] = (str(field(c, "name")) ?? "").toLowerCase();
  });
  return out;
}

const dataOf = (result: unknown): Cell[][] => {
  const data = field(result, "data_array");
  return Array.isArray(data) ? data.map((row) => (Array.isArray(row) ? row.map((v) => (v === null || v === undefined ? null : String(v))) : [])) : [];
};

/** Runs a read-only statement on a SQL warehouse and returns every row by (lowercase) column name. */
export async function queryDatabricks(
  ctx: { config: DatabricksConfig; secrets: Record<string, string>; fetch: typeof fetch },
  q: { statement: string; warehouseId: string; parameters: StatementParameter[] },
  wait: (ms: number) => Promise<void> = (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
): Promise<Row[]> {
  const client = databricksClient(ctx);
  let json = await client.executeStatement({
    statement: q.statement,
    warehouse_id: q.warehouseId,
    parameters: q.parameters,
    wait_timeout: "30s",
    on_wait_timeout: "CONTINUE",
    disposition: "INLINE",
    format: "JSON_ARRAY",
  });
  for (let reads = 0; statementOutcome(json) === "running"; reads++) {
    const id = str(field(json, "statement_id"));
    if (reads >= MAX_STATUS_READS || !id)
      throw new ConnectorError({ kind: "timeout", message: "the Databricks statement was still running; the next pass reads again" });
    await wait(STATUS_WAIT_MS);
    json = await client.getStatement(id);
  }
  const columns = manifestColumns(json);
  let result = field(json, "result");
  const data = dataOf(result);
  for (let link = str(field(result, "next_chunk_internal_link")), chunks = 1; link; link = str(field(result, "next_chunk_internal_link")), chunks++) {
    if (chunks > MAX_CHUNKS) throw new ConnectorError({ kind: "tool_failure", message: `the Databricks result has more than ${MAX_CHUNKS} chunks` });
    result = await client.getChunk(link);
    data.push(...dataOf(result));
  }
  return data.map((values) => Object.fromEntries(columns.map((name, i) => [name, values[i] ?? null])));
}
