/**
 * SNOWFLAKE.ACCOUNT_USAGE as the fake serves it to cost collectors (CONTRACTS-2 §1). Tests run in parallel against
 * one fake, so each test registers the views' rows for a role of its own:
 *
 *   PUT /__fake/account-usage/{ROLE}  {query_attribution_history?, query_history?, warehouse_metering_history?, access_history?: Row[]}
 *
 * Rows use the views' column names (UPPERCASE); timestamps are the ISO text `to_varchar(…, 'YYYY-MM-DD"T"HH24:MI:SS.FF3TZH:TZM')`
 * produces, numbers decimal strings, ARRAY columns JSON arrays (sent as JSON text, as the SQL API does for ARRAY and
 * VARIANT). A row with `_hidden_reads: n` is late: the first n reads of its view for the role leave it out (the
 * view's latency), later reads include it. Registering again replaces the rows (a restated figure) and keeps the
 * read counts.
 *
 * A statement is answered when it reads `from snowflake.account_usage.<view>` with a role that has rows registered
 * (otherwise 422 002003 "does not exist or not authorized", what a role without the grants gets). The main view is
 * filtered by its time column on the last two bindings ([from, to)); a `left join …query_history q` is a join on
 * QUERY_ID. The projection is the one Tutti's collector selects (worker/costs/collectors/snowflake-map.ts), computed
 * here from the view rows, including `regexp_substr(query_text, '"invocation_id": *"([0-9a-f-]+)"', …)`.
 */
export type ViewRow = Record<string, unknown> & { _hidden_reads?: number };
type Views = Record<string, ViewRow[]>;

export interface ResultColumns {
  rowType: Array<{ name: string; type: string; nullable: boolean; length: number; precision: number; scale: number }>;
  data: Array<Array<string | null>>;
}

const timeColumn: Record<string, string> = {
  query_attribution_history: "START_TIME",
  warehouse_metering_history: "START_TIME",
  access_history: "QUERY_START_TIME",
  query_history: "START_TIME",
};

const text = (v: unknown): string | null => (v === null || v === undefined ? null : typeof v === "string" ? v : JSON.stringify(v));
const col = (name: string, type = "TEXT") => ({ name, type, nullable: true, length: type === "TEXT" ? 16777216 : 0, precision: 0, scale: 0 });

/** One fake's ACCOUNT_USAGE: rows per role and how often each view was read. */
export function createAccountUsage() {
  const views = new Map<string, Views>();
  const reads = new Map<string, number>();
  const register = (role: string, body: Views) => views.set(role.toUpperCase(), body);

  /** Rows of `view` for `role` visible at this read, within [from, to) on the view's time column. */
  function visible(role: string, view: string, from: number | null, to: number | null): ViewRow[] {
    const key = `${role}|${view}`;
    const n = (reads.get(key) ?? 0) + 1;
    reads.set(key, n);
    return (views.get(role)?.[view] ?? []).filter((row) => {
      if ((row._hidden_reads ?? 0) >= n) return false;
      const at = Date.parse(String(row[timeColumn[view]] ?? ""));
      return (from === null || at >= from) && (to === null || at < to);
    });
  }

  /** The answer to a collector statement, or an error reply; null when the statement reads no ACCOUNT_USAGE view. */
  function answer(
    statement: string,
    role: string | undefined,
    bindings: string[],
  ): { result: ResultColumns } | { error: { status: number; code: string; message: string; sqlState: string } } | null {
    const main = /from\s+snowflake\.account_usage\.(\w+)/i.exec(statement)?.[1]?.toLowerCase();
    if (!main) return null;
    const r = (role ?? "").toUpperCase();
    if (!views.has(r))
      return {
        error: {
          status: 422,
          code: "002003",
          sqlState: "42S02",
          message: `SQL compilation error:\nObject 'SNOWFLAKE.ACCOUNT_USAGE.${main.toUpperCase()}' does not exist or not authorized.`,
        },
      };
    const window = bindings.slice(-2).map((b) => Date.parse(b));
    const joinsHistory = /left\s+join\s+snowflake\.account_usage\.query_history/i.test(statement);
    const history = new Map(
      (joinsHistory ? visible(r, "query_history", Date.parse(bindings[0]), Date.parse(bindings[1])) : []).map((q) => [String(q.QUERY_ID), q]),
    );
    const rows = visible(r, main, window[0], window[1]);
    switch (main) {
      case "query_attribution_history": {
        const names = [
          "QUERY_ID",
          "QUERY_TAG",
          "USER_NAME",
          "ROLE_NAME",
          "WAREHOUSE_NAME",
          "START_TIME",
          "END_TIME",
          "CREDITS_ATTRIBUTED_COMPUTE",
          "CREDITS_USED_QUERY_ACCELERATION",
          "DBT_INVOCATION_ID",
        ];
        return {
          result: {
            rowType: names.map((n) => col(n, n.startsWith("CREDITS") ? "REAL" : "TEXT")),
            data: rows.map((a) => {
              const q = history.get(String(a.QUERY_ID));
              const tag = text(q?.QUERY_TAG) || text(a.QUERY_TAG);
              const invocation = /"invocation_id": *"([0-9a-f-]+)"/.exec(String(q?.QUERY_TEXT ?? ""))?.[1] ?? null;
              return [
                text(a.QUERY_ID),
                tag,
                text(q?.USER_NAME ?? a.USER_NAME),
                text(q?.ROLE_NAME),
                text(a.WAREHOUSE_NAME),
                text(a.START_TIME),
                text(a.END_TIME),
                text(a.CREDITS_ATTRIBUTED_COMPUTE),
                text(a.CREDITS_USED_QUERY_ACCELERATION),
                invocation,
              ];
            }),
          },
        };
      }
      case "warehouse_metering_history": {
        const names = ["WAREHOUSE_NAME", "START_TIME", "END_TIME", "CREDITS_USED_COMPUTE", "CREDITS_ATTRIBUTED_COMPUTE_QUERIES"];
        return {
          result: {
            rowType: names.map((n) => col(n, n.startsWith("CREDITS") ? "FIXED" : "TEXT")),
            data: rows.map((w) => names.map((n) => text(w[n]))),
          },
        };
      }
      case "access_history": {
        const names = ["QUERY_ID", "QUERY_START_TIME", "USER_NAME", "BASE_OBJECTS_ACCESSED", "QUERY_TAG"];
        return {
          result: {
            rowType: names.map((n) => col(n, n === "BASE_OBJECTS_ACCESSED" ? "ARRAY" : "TEXT")),
            data: rows.map((a) => [
              text(a.QUERY_ID),
              text(a.QUERY_START_TIME),
              text(a.USER_NAME),
              text(a.BASE_OBJECTS_ACCESSED),
              text(history.get(String(a.QUERY_ID))?.QUERY_TAG),
            ]),
          },
        };
      }
      default:
        return { error: { status: 422, code: "002003", sqlState: "42S02", message: `SQL compilation error:\nView '${main}' is not served by the fake.` } };
    }
  }

  return { register, answer };
}
