import { field, str } from "../tool-http";

/**
 * The SQL API's `ResultSet` (CONTRACTS-2 §1) read by column name: every value is a string or null, `rowType` names
 * the columns (UPPERCASE unless quoted), partition 0 comes inline and `partitionInfo` says how many follow. Later
 * partitions may come without `resultSetMetaData` (unverified): the caller keeps partition 0's column names.
 */
export type Cell = string | null;
export type Row = Record<string, Cell>;

export interface FirstPartition {
  handle: string | null;
  columns: string[];
  /** Each column's `rowType[].type`, lowercased (`fixed`, `boolean`, `text`, …); "" when Snowflake gave none. */
  types: string[];
  partitions: number;
  data: Cell[][];
}

export class ResultSetError extends Error {}

const cells = (data: unknown): Cell[][] => {
  if (!Array.isArray(data)) throw new ResultSetError("the Snowflake result has no `data` rows");
  return data.map((row) => (Array.isArray(row) ? row.map((v) => (v === null || v === undefined ? null : String(v))) : []));
};

/** Column names, partition count and rows of the statement's first answer. */
export function firstPartition(json: unknown): FirstPartition {
  const meta = field(json, "resultSetMetaData");
  const rowType = field(meta, "rowType");
  if (!Array.isArray(rowType)) throw new ResultSetError("the Snowflake result has no resultSetMetaData.rowType");
  const info = field(meta, "partitionInfo");
  return {
    handle: str(field(json, "statementHandle")),
    columns: rowType.map((c) => (str(field(c, "name")) ?? "").toUpperCase()),
    types: rowType.map((c) => (str(field(c, "type")) ?? "").toLowerCase()),
    partitions: Array.isArray(info) && info.length > 0 ? info.length : 1,
    data: cells(field(json, "data")),
  };
}

/** Rows of a later partition (its body may carry only `data`). */
export const partitionData = (json: unknown): Cell[][] => cells(field(json, "data"));

/** Rows as records keyed by column name. */
export function rowsByName(columns: string[], data: Cell[][]): Row[] {
  return data.map((values) => Object.fromEntries(columns.map((name, i) => [name, values[i] ?? null])));
}
