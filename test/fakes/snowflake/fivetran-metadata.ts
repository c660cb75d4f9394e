import type { ResultColumns } from "./account-usage";

/**
 * The Fivetran Platform Connector's INCREMENTAL_MAR table (CONTRACTS-2 §5) in the fake's warehouse, for the Fivetran
 * cost collector. Tests run in parallel against one fake, so each registers its table for a role of its own:
 *
 *   PUT /__fake/fivetran-metadata/{ROLE}  {schema?: "FIVETRAN_METADATA" | "DB.SCHEMA", incremental_mar: Row[]}
 *
 * Rows carry the table's columns (names in any case, as unquoted Snowflake identifiers): newer tables
 * `connection_id`, `connection_name`, older ones `connector_id`, `connector_name` (the dbt_fivetran_log macros
 * accept both), and `destination_id`, `schema_name`, `table_name`, `sync_type`, `free_type` (`PAID` or a free
 * category), `measured_date` (YYYY-MM-DD), `incremental_rows` (daily increments), `updated_at`, `_fivetran_synced`.
 * The table has the columns its rows have. Registering again replaces the rows (a late day synced by the connector).
 *
 * A statement reading `from <schema>.incremental_mar` is answered as Tutti's collector statement
 * (worker/costs/collectors/fivetran-map.ts): PAID rows with measured_date in [first binding, second binding), summed per
 * connection id (`connection_id`, else `connector_id`, read through OBJECT_CONSTRUCT(*)) and month, as CONNECTION_ID,
 * MONTH (YYYY-MM), MAR. As in Snowflake, a statement naming a column the table lacks outside an object path fails to
 * compile (000904 invalid identifier), and a schema other than the registered one, or a role without a table,
 * answers 002003 "does not exist or not authorized".
 */
export type MarRow = Record<string, unknown>;

interface Table {
  schema: string;
  rows: MarRow[];
}

type Answer = { result: ResultColumns } | { error: { status: number; code: string; message: string; sqlState: string } };

const upperKeys = (row: MarRow) => Object.fromEntries(Object.entries(row).map(([k, v]) => [k.toUpperCase(), v]));
const ID_COLUMNS = ["CONNECTION_ID", "CONNECTOR_ID", "CONNECTION_NAME", "CONNECTOR_NAME"];

export function createFivetranMetadata() {
  const tables = new Map<string, Table>();
  const register = (role: string, body: { schema?: string; incremental_mar: MarRow[] }) =>
    tables.set(role.toUpperCase(), { schema: (body.schema ?? "FIVETRAN_METADATA").toUpperCase(), rows: body.incremental_mar.map(upperKeys) });

  const notAuthorized = (name: string): Answer => ({
    error: { status: 422, code: "002003", sqlState: "42S02", message: `SQL compilation error:\nObject '${name}' does not exist or not authorized.` },
  });

  /** The answer to a statement over `<schema>.incremental_mar`, or null when the statement reads no such table. */
  function answer(statement: string, role: string | undefined, bindings: string[]): Answer | null {
    const schema = /from\s+([\w$.]+)\.incremental_mar\b/i.exec(statement)?.[1]?.toUpperCase();
    if (!schema) return null;
    const table = tables.get((role ?? "").toUpperCase());
    if (!table || table.schema !== schema) return notAuthorized(`${schema}.INCREMENTAL_MAR`);
    const columns = new Set(table.rows.flatMap((r) => Object.keys(r)));
    // What Snowflake compiles as column references: not aliases (`as x`) nor object paths (`o:X`).
    const referenced = statement.replace(/\bas\s+\w+/gi, "").replace(/\w+:\w+/g, "");
    for (const column of ID_COLUMNS)
      if (new RegExp(`\\b${column}\\b`, "i").test(referenced) && !columns.has(column))
        return {
          error: {
            status: 422,
            code: "000904",
            sqlState: "42000",
            message: `SQL compilation error: error line 1 at position 7\ninvalid identifier '${column}'`,
          },
        };
    const [from, until] = bindings.slice(-2);
    const sums = new Map<string, bigint>();
    for (const row of table.rows) {
      const measured = String(row.MEASURED_DATE ?? "").slice(0, 10);
      if (row.FREE_TYPE !== "PAID" || measured < from || measured >= until) continue;
      const id = row.CONNECTION_ID ?? row.CONNECTOR_ID;
      if (id === null || id === undefined) continue;
      const key = `${measured.slice(0, 7)}\u0000${String(id)}`;
      sums.set(key, (sums.get(key) ?? 0n) + BigInt(String(row.INCREMENTAL_ROWS ?? 0)));
    }
    const data = [...sums.entries()]
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
      .map(([key, mar]) => {
        const [month, id] = key.split("\u0000");
        return [id, month, String(mar)];
      });
    const col = (name: string, type: string) => ({ name, type, nullable: true, length: type === "TEXT" ? 16777216 : 0, precision: 0, scale: 0 });
    return { result: { rowType: [col("CONNECTION_ID", "TEXT"), col("MONTH", "TEXT"), col("MAR", "TEXT")], data } };
  }

  return { register, answer };
}
