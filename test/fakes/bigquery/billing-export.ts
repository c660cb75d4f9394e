import { encodeRow } from "./jobs-view";

/**
 * Cloud Billing standard usage cost export tables of the BigQuery fake (`gcp_billing_export_v1_<account>`), rows as
 * Google's schema has them: usage_start_time, project{id}, service{description}, labels[{key, value}], cost (FLOAT64),
 * currency, credits[{amount}]. The fake answers the collector's query as the SQL says: rows whose usage day is in
 * [@from_day, @to_day], grouped by day, project, service, the value of label @label_key and currency, with the sum of
 * cost and credits as NUMERIC text. A row with `_hidden_reads: n` is absent from the first n reads (exported late).
 */
export interface BillingRow {
  usage_start_time: string;
  project: { id: string };
  service: { description: string };
  labels?: Array<{ key: string; value: string }>;
  cost: number;
  currency: string;
  credits?: Array<{ amount: number }>;
  _hidden_reads?: number;
}

const s = (name: string, type = "STRING") => ({ name, type, mode: "NULLABLE" as const });
const schema = [s("net_cost"), s("usage_day"), s("project_id"), s("service"), s("product"), s("currency")];

/** NUMERIC keeps 9 decimals: the fake sums in integer nano-units, as NUMERIC would, and prints the decimal. */
const nanos = (n: number) => BigInt(Math.round(n * 1e9));
function numericText(v: bigint): string {
  const sign = v < 0n ? "-" : "";
  const abs = v < 0n ? -v : v;
  const frac = (abs % 1_000_000_000n).toString().padStart(9, "0").replace(/0+$/, "");
  return `${sign}${abs / 1_000_000_000n}${frac ? `.${frac}` : ""}`;
}

export function createBillingExports() {
  const tables = new Map<string, BillingRow[]>();
  const reads = new Map<string, number>();
  return {
    register(table: string, rows: BillingRow[]) {
      tables.set(table, rows);
      reads.set(table, 0);
    },
    has: (table: string) => tables.has(table),
    read(table: string, params: Map<string, string>) {
      const n = (reads.get(table) ?? 0) + 1;
      reads.set(table, n);
      const from = params.get("from_day") ?? "";
      const to = params.get("to_day") ?? "";
      const labelKey = params.get("label_key") ?? "";
      const groups = new Map<string, { row: Record<string, string | null>; sum: bigint }>();
      for (const r of tables.get(table) ?? []) {
        if ((r._hidden_reads ?? 0) >= n) continue;
        const day = r.usage_start_time.slice(0, 10);
        if (day < from || day > to) continue;
        const product = r.labels?.find((l) => l.key === labelKey)?.value ?? null;
        const key = JSON.stringify([day, r.project.id, r.service.description, product, r.currency]);
        const group = groups.get(key) ?? {
          row: { usage_day: day, project_id: r.project.id, service: r.service.description, product, currency: r.currency },
          sum: 0n,
        };
        group.sum += nanos(r.cost) + (r.credits ?? []).reduce((a, c) => a + nanos(c.amount), 0n);
        groups.set(key, group);
      }
      return [...groups.values()]
        .sort((a, b) => JSON.stringify(a.row).localeCompare(JSON.stringify(b.row)))
        .map((g) => encodeRow(schema, { ...g.row, net_cost: numericText(g.sum) }));
    },
    schema,
  };
}
