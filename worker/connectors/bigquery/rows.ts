import { ConnectorError } from "../http-errors";
import { field, str } from "../tool-http";

/**
 * BigQuery result rows (CONTRACTS-2 §2) by column name: `schema.fields[]` names and types the columns, each row is
 * `{f: [{v}]}` in field order, every scalar `v` is a string or null (INT64 too, so byte counts and money stay exact),
 * a REPEATED field is `v: [{v}]` and a RECORD `v: {f: [...]}`. Scalars are kept as the strings BigQuery sent.
 */
export type Value = string | null | Value[] | { [name: string]: Value };
export type Row = Record<string, Value>;

interface SchemaField {
  name: string;
  type: string;
  repeated: boolean;
  fields: SchemaField[];
}

function fieldsOf(value: unknown): SchemaField[] {
  const fields = field(value, "fields");
  if (!Array.isArray(fields)) return [];
  return fields.map((f) => ({
    name: str(field(f, "name")) ?? "",
    type: (str(field(f, "type")) ?? "STRING").toUpperCase(),
    repeated: str(field(f, "mode")) === "REPEATED",
    fields: fieldsOf(f),
  }));
}

/** The columns of a result's `schema`; a result without one (no rows yet) is an error to the caller. */
export function schemaFields(json: unknown): SchemaField[] {
  const schema = field(json, "schema");
  if (schema === undefined) throw new ConnectorError({ kind: "tool_failure", message: "the BigQuery result has no schema" });
  return fieldsOf(schema);
}

const isRecord = (f: SchemaField) => f.type === "RECORD" || f.type === "STRUCT";

function decode(f: SchemaField, v: unknown, inArray = false): Value {
  if (v === null || v === undefined) return f.repeated && !inArray ? [] : null;
  if (f.repeated && !inArray) return Array.isArray(v) ? v.map((item) => decode(f, field(item, "v"), true)) : [];
  if (isRecord(f)) return decodeRow(f.fields, v);
  return typeof v === "string" ? v : typeof v === "number" || typeof v === "boolean" ? String(v) : JSON.stringify(v);
}

function decodeRow(fields: SchemaField[], row: unknown): Row {
  const cells = field(row, "f");
  const list = Array.isArray(cells) ? cells : [];
  return Object.fromEntries(fields.map((f, i) => [f.name, decode(f, field(list[i], "v"))]));
}

/** `rows` of a QueryResponse or GetQueryResultsResponse, by column name. */
export function decodeRows(fields: SchemaField[], json: unknown): Row[] {
  const rows = field(json, "rows");
  return Array.isArray(rows) ? rows.map((r) => decodeRow(fields, r)) : [];
}

/** A scalar column as text (null for missing, null or nested values). */
export const text = (row: Row, name: string): string | null => {
  const v = row[name];
  return typeof v === "string" ? v : null;
};
