import { is } from "drizzle-orm";
import { getTableConfig, SQLiteTable } from "drizzle-orm/sqlite-core";
import * as schema from "../../worker/db/schema";

/**
 * How bench/scale makes 999 tenants as realistic as the one it measures: each is a copy of that tenant's rows, table
 * by table, under a new tenant id, with every id-like text column prefixed so the copies' keys never meet (ids,
 * `…_id` references, `…_hash` tokens: the same prefix on both ends keeps each copy's references pointing inside it).
 * Derived from the drizzle schema, like worker/db/tenant-tables.ts, so a new table is copied without anyone listing it.
 */

export interface CloneTable {
  name: string;
  /** Columns written by the copy, in order. */
  columns: string[];
  /** Per column: how its value is made from the source row. */
  rules: Array<"tenant" | "prefix" | "copy">;
}

const idLike = (name: string) => name === "id" || name.endsWith("_id") || name.endsWith("_hash");

export function cloneTable(table: SQLiteTable): CloneTable | null {
  const config = getTableConfig(table);
  if (!config.columns.some((c) => c.name === "tenant_id")) return null;
  const compositeKey = config.primaryKeys[0]?.columns.map((c) => c.name) ?? [];
  const keyHasTenant = compositeKey.includes("tenant_id");
  const columns: string[] = [];
  const rules: CloneTable["rules"] = [];
  for (const column of config.columns) {
    const text = column.getSQLType() === "text";
    // An integer primary key is SQLite's rowid: the copy takes a new one.
    if (column.primary && !text) continue;
    columns.push(column.name);
    if (column.name === "tenant_id") rules.push("tenant");
    else if (text && (idLike(column.name) || (column.primary && !keyHasTenant))) rules.push("prefix");
    else rules.push("copy");
  }
  return { name: config.name, columns, rules };
}

/** Every table with a `tenant_id`, as copy rules. */
export function cloneTables(): CloneTable[] {
  const out: CloneTable[] = [];
  for (const value of Object.values(schema)) {
    if (!is(value, SQLiteTable)) continue;
    const table = cloneTable(value);
    if (table) out.push(table);
  }
  return out.sort((a, b) => a.name.localeCompare(b.name));
}

const quote = (name: string) => `"${name}"`;

/**
 * One statement copying a tenant's rows within one database: ?1 source tenant, ?2 new tenant, ?3 id prefix (named in
 * the WHERE too, since D1 refuses a statement that leaves a bound value unused, as a table without ids would).
 */
export function copyWithinSql(table: CloneTable): string {
  const values = table.columns.map((c, i) => {
    const rule = table.rules[i];
    if (rule === "tenant") return "?2";
    if (rule === "prefix") return `CASE WHEN ${quote(c)} IS NULL THEN NULL ELSE ?3 || ${quote(c)} END`;
    return quote(c);
  });
  return `INSERT INTO ${quote(table.name)} (${table.columns.map(quote).join(", ")}) SELECT ${values.join(", ")} FROM ${quote(table.name)} WHERE "tenant_id" = ?1 AND ?3 IS NOT NULL`;
}

/** The same copy for rows read from another database: the values to insert, column by column. */
export function rewriteRow(table: CloneTable, row: Record<string, unknown>, tenantId: string, prefix: string): unknown[] {
  return table.columns.map((c, i) => {
    const rule = table.rules[i];
    const value = row[c] ?? null;
    if (rule === "tenant") return tenantId;
    if (rule === "prefix") return value === null ? null : `${prefix}${value}`;
    return value;
  });
}

/** D1 binds at most 100 values per statement: rows per multi-row INSERT for this table. */
export const rowsPerInsert = (table: CloneTable) => Math.max(1, Math.floor(100 / table.columns.length));

export function insertRowsSql(table: CloneTable, rows: number): string {
  const one = `(${table.columns.map(() => "?").join(", ")})`;
  return `INSERT INTO ${quote(table.name)} (${table.columns.map(quote).join(", ")}) VALUES ${Array.from({ length: rows }, () => one).join(", ")}`;
}
