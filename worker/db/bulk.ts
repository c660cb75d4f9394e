import { sql, type SQL } from "drizzle-orm";
import { stmt, type Stmt } from "./statements";

/**
 * Bulk writes through one JSON parameter: rows travel as a JSON array and a statement reads them with
 * `json_each(?)`, so thousands of rows are a handful of statements (D1 allows 100 bound parameters per statement).
 */

/** Characters of JSON per bound parameter: even all-4-byte UTF-8 stays under D1's 2 MB value limit. */
export const BULK_PARAM_CHARS = 450_000;

/** Splits rows into JSON arrays of at most BULK_PARAM_CHARS characters (a larger single row goes alone). */
export function chunkRows(rows: unknown[][]): string[] {
  const out: string[] = [];
  let parts: string[] = [];
  let size = 2;
  for (const row of rows) {
    const text = JSON.stringify(row);
    if (parts.length && size + text.length + 1 > BULK_PARAM_CHARS) {
      out.push(`[${parts.join(",")}]`);
      parts = [];
      size = 2;
    }
    parts.push(text);
    size += text.length + 1;
  }
  if (parts.length) out.push(`[${parts.join(",")}]`);
  return out;
}

/** Element `i` of the payload row `r` (`FROM json_each(?) r`). */
export const payloadValue = (i: number) => sql.raw(`r.value ->> '$[${i}]'`);

/** One statement per chunk of rows (see chunkRows). */
export function bulkStatements(rows: unknown[][], build: (payload: string) => SQL): Stmt[] {
  return chunkRows(rows).map((payload) => stmt(build(payload)));
}
