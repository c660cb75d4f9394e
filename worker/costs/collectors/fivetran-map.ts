import type { Row } from "../../connectors/snowflake/result-set";
import { parseDecimal, priceMicros } from "../decimal";
import type { CostDraft } from "../draft";
import type { CollectWindow } from "./window";

/**
 * Fivetran monthly active rows from the Platform Connector's INCREMENTAL_MAR table (CONTRACTS-2 §5: daily
 * increments per connection, schema and table; a month's MAR is the sum of its PAID rows) → one ledger record per
 * Fivetran connection and month, keyed `mar:<YYYY-MM>:<connection id>`. Each pass sums whole months again, so a late
 * day corrects the month's record in place instead of adding a second one. No I/O.
 */

export const DEFAULT_METADATA_SCHEMA = "fivetran_metadata";

/**
 * PAID MAR per connection and month over the days [?, ?) (the first days of the first month read and of the month after
 * the last). Newer tables name the connection `connection_id`, older ones `connector_id`: a statement naming a column
 * the table lacks does not compile, so the row is read as an object (OBJECT_CONSTRUCT(*), keys in upper case, null
 * columns left out) and whichever id it has is taken. `schema` is checked against an identifier pattern before it is
 * put in the statement (identifiers cannot be bound).
 */
export function marSql(schema: string): string {
  return `select coalesce(m.o:CONNECTION_ID, m.o:CONNECTOR_ID)::string as connection_id, to_char(date_trunc('month', m.measured_date), 'YYYY-MM') as month, to_varchar(sum(m.incremental_rows)) as mar
from (select object_construct(*) as o, measured_date, incremental_rows from ${schema}.incremental_mar
  where free_type = 'PAID' and measured_date >= ?::date and measured_date < ?::date) m
group by 1, 2
order by 2, 1`;
}

const monthStart = (ms: number, offset = 0) => {
  const d = new Date(ms);
  return Date.UTC(d.getUTCFullYear(), d.getUTCMonth() + offset, 1);
};
const day = (ms: number) => new Date(ms).toISOString().slice(0, 10);

/**
 * The whole months a pass sums: from the month the window starts in, or the month before the one it ends in if that
 * is earlier (the last days of a month arrive in the first days of the next), through the month it ends in. Bound
 * as [first day, first day of the month after).
 */
export function marMonths(window: Pick<CollectWindow, "from" | "to">): { from: string; until: string } {
  return { from: day(Math.min(monthStart(window.from), monthStart(window.to, -1))), until: day(monthStart(window.to, 1)) };
}

export interface MarMapping {
  currency: string;
  perMillionMar: number;
  /** The Tutti pipeline whose task syncs a Fivetran connection (the latest to sync it), if any. */
  pipelineOf(connectionId: string): string | null;
}

const MILLION = 1_000_000n;
const ONE = 10n ** 18n;

export function marDrafts(rows: Row[], m: MarMapping): CostDraft[] {
  const out: CostDraft[] = [];
  for (const row of rows) {
    const connectionId = row.CONNECTION_ID;
    const month = row.MONTH;
    const mar = parseDecimal(row.MAR);
    if (!connectionId || !month || !/^\d{4}-\d{2}$/.test(month) || mar === null || mar < 0n) continue;
    const startedAt = Date.parse(`${month}-01T00:00:00.000Z`);
    const pipeline = m.pipelineOf(connectionId);
    out.push({
      source: "fivetran",
      externalRef: `mar:${month}:${connectionId}`,
      amountMicros: priceMicros(mar / MILLION, m.perMillionMar),
      currency: m.currency,
      quantity: Number(mar / ONE),
      unit: "mar",
      startedAt,
      endedAt: null,
      description: `Fivetran monthly active rows of connection ${connectionId}, ${month}`,
      attribution: pipeline ? { pipeline } : {},
    });
  }
  return out;
}
