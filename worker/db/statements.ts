import { getTableColumns, sql, type SQL } from "drizzle-orm";
import { SQLiteAsyncDialect, type SQLiteTable } from "drizzle-orm/sqlite-core";
import type { TenantCtx } from "./client";

/**
 * A statement ready for D1: lineage writes mix raw bulk SQL (json_each upserts) with drizzle builders (audit),
 * and drizzle's D1 batch cannot take raw SQL with parameters, so both are lowered to this and sent with the
 * D1 client's own batch (one implicit transaction).
 */
export interface Stmt {
  sql: string;
  params: unknown[];
}

const dialect = new SQLiteAsyncDialect();

export function stmt(query: SQL): Stmt {
  const q = dialect.sqlToQuery(query);
  return { sql: q.sql, params: q.params };
}

/** A drizzle insert/update/delete builder as a Stmt. */
export function fromBuilder(builder: { toSQL(): { sql: string; params: unknown[] } }): Stmt {
  const q = builder.toSQL();
  return { sql: q.sql, params: q.params };
}

/**
 * An insert of one row that applies only if `condition` holds where the statement sits in its batch:
 * `INSERT INTO t (…) SELECT … WHERE condition`, as a VALUES list cannot carry a condition. Columns left out get
 * their SQL defaults; values are mapped as drizzle maps them (JSON columns to text, and so on).
 */
export function insertRowIf<T extends SQLiteTable>(table: T, row: T["$inferInsert"], condition: SQL): Stmt {
  const given = Object.entries(getTableColumns(table)).filter(([key]) => (row as Record<string, unknown>)[key] !== undefined);
  const names = given.map(([, column]) => sql.identifier(column.name));
  const values = given.map(([key, column]) => sql.param((row as Record<string, unknown>)[key], column));
  return stmt(sql`INSERT INTO ${table} (${sql.join(names, sql`, `)}) SELECT ${sql.join(values, sql`, `)} WHERE ${condition}`);
}

/** drizzle() returns the D1 binding as `$client`; the exported Db type just does not declare it. */
export const d1Of = (ctx: TenantCtx): D1Database => (ctx.db as unknown as { $client: D1Database }).$client;

function prepare(ctx: TenantCtx, s: Stmt): D1PreparedStatement {
  const p = d1Of(ctx).prepare(s.sql);
  return s.params.length ? p.bind(...s.params) : p;
}

/** Runs the statements in one D1 batch: all or nothing. */
export async function runBatch(ctx: TenantCtx, statements: Stmt[]): Promise<D1Result[]> {
  if (!statements.length) return [];
  return d1Of(ctx).batch(statements.map((s) => prepare(ctx, s)));
}

/**
 * Rows as arrays, in column order: for statements that select same-named columns from several tables, where
 * objects keyed by column name would lose all but one.
 */
export function rawRows(ctx: TenantCtx, query: SQL): Promise<unknown[][]> {
  return ctx.db.values<unknown[]>(query);
}

/**
 * A read that can share one D1 round trip with other reads (runReads): its statements and how to turn their
 * results into the value. Reads without statements (nothing to look up) cost nothing.
 */
export interface Read<T> {
  statements: Stmt[];
  parse(results: D1Result[]): T;
}

/**
 * Runs several reads in one D1 batch — one round trip instead of one per read, which is what small reads cost
 * on D1 — and returns their values in order.
 */
export async function runReads<const T extends readonly unknown[]>(ctx: TenantCtx, reads: { [K in keyof T]: Read<T[K]> }): Promise<T> {
  const list = reads as readonly Read<unknown>[];
  const results = await runBatch(
    ctx,
    list.flatMap((r) => r.statements),
  );
  let at = 0;
  return list.map((r) => {
    const own = results.slice(at, at + r.statements.length);
    at += r.statements.length;
    return r.parse(own);
  }) as unknown as T;
}

/** Rows of a batch result, as objects keyed by column name. */
export const rowsOf = <T>(results: D1Result[]): T[] => results.flatMap((r) => r.results as T[]);

export async function queryAll<T>(ctx: TenantCtx, query: SQL): Promise<T[]> {
  const s = stmt(query);
  const result = await prepare(ctx, s).all<T>();
  return result.results;
}
