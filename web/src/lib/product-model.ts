/**
 * Data products, costs, usage and budgets: the pure pieces the pages and tests share — money and ratio formatting,
 * sorting the scorecard, turning explorer series into chart datasets, reading cost CSVs. API calls are in
 * api/products.ts and api/costs.ts; the shapes come from the generated contract (api/types.ts).
 */
import type { CostRecordInput, ExplorerSeries, ProductScorecard, UsageKind } from "./api/types";
import type { Tone } from "./status";

// The same `as const` tuples the API validates with, so forms cannot offer a value the API refuses.
export { productConsumerKinds as consumerKinds, productTiers, usageKinds } from "../../../worker/db/schema/enums";

/** "$1,234" (whole units from 10 up), "$2.50", "$0.0042" (small amounts keep two significant digits). */
export function formatMoney(amount: number | null | undefined, currency: string): string {
  if (amount === null || amount === undefined || Number.isNaN(amount)) return "—";
  const abs = Math.abs(amount);
  const digits = abs >= 10 ? 0 : abs >= 0.01 || abs === 0 ? 2 : undefined;
  const options: Intl.NumberFormatOptions =
    digits === undefined
      ? { style: "currency", currency, maximumSignificantDigits: 2 }
      : { style: "currency", currency, minimumFractionDigits: digits, maximumFractionDigits: digits };
  return new Intl.NumberFormat("en-US", options).format(amount);
}

/** Axis labels: "$1.2k", "$30", "$0.50". */
export function formatMoneyShort(amount: number, currency: string): string {
  return new Intl.NumberFormat("en-US", {
    style: "currency",
    currency,
    notation: "compact",
    maximumFractionDigits: amount !== 0 && Math.abs(amount) < 1 ? 2 : 1,
  }).format(amount);
}

export const formatCount = (n: number) =>
  new Intl.NumberFormat("en-US", { notation: n >= 10_000 ? "compact" : "standard", maximumFractionDigits: 1 }).format(n);

/** 0.234 → "+23%", -0.05 → "−5%", null → "—". */
export function formatTrend(trend: number | null): string {
  if (trend === null) return "—";
  const pct = Math.round(trend * 100);
  if (pct === 0) return "±0%";
  return `${pct > 0 ? "+" : "−"}${Math.abs(pct)}%`;
}

/** Value ÷ cost as "12.5×"; "—" when there is no declared value or no cost. */
export function formatRatio(ratio: number | null): string {
  if (ratio === null) return "—";
  return `${ratio >= 100 ? Math.round(ratio) : ratio >= 10 ? ratio.toFixed(1) : ratio.toFixed(2)}×`;
}

export const formatPercent = (share: number | null) => (share === null ? "—" : `${Math.round(share * 1000) / 10}%`);

/** The colour of the API's value-for-money reading (`value.state`): a zombie is never green, whatever its ratio. */
export const valueTone: Record<ProductScorecard["value"]["state"], Tone> = {
  good: "success",
  fair: "warning",
  poor: "danger",
  zombie: "danger",
  unknown: "neutral",
};

/** Products whose month-to-date cost moved most against the same days of last month, either way. */
export function costMovers(items: ProductScorecard[], count = 5): ProductScorecard[] {
  return items
    .filter((s) => s.cost.month_to_date > 0 || s.cost.previous_same_days > 0)
    .sort((a, b) => Math.abs(b.cost.month_to_date - b.cost.previous_same_days) - Math.abs(a.cost.month_to_date - a.cost.previous_same_days))
    .slice(0, count);
}

export type SortKey = "rank" | "name" | "cost" | "trend" | "usage" | "value" | "ratio" | "success" | "alerts";

/** Sorts scorecards by a column; nulls always last, ties by rank. */
export function sortScorecards(items: ProductScorecard[], key: SortKey, descending: boolean): ProductScorecard[] {
  const pick: Record<SortKey, (s: ProductScorecard) => number | string | null> = {
    rank: (s) => s.rank,
    name: (s) => s.product.title.toLowerCase(),
    cost: (s) => s.cost.month_to_date,
    trend: (s) => s.cost.trend,
    usage: (s) => s.usage.month_to_date,
    value: (s) => s.value.declared_monthly,
    ratio: (s) => s.value.ratio,
    success: (s) => s.reliability.success_rate,
    alerts: (s) => s.open_alerts,
  };
  const f = pick[key];
  return [...items].sort((a, b) => {
    const x = f(a);
    const y = f(b);
    if (x === null && y === null) return a.rank - b.rank;
    if (x === null) return 1;
    if (y === null) return -1;
    const c = x < y ? -1 : x > y ? 1 : 0;
    return (descending ? -c : c) || a.rank - b.rank;
  });
}

/**
 * A fixed, colour-blind-friendly palette (the --chart-* tokens in app.css): a series keeps its colour as long as it
 * keeps its place, and "Other" is always grey.
 */
export const palette = Array.from({ length: 10 }, (_, i) => `var(--chart-${i})`);
export const otherColor = "var(--chart-other)";

export interface ChartDataset {
  label: string;
  data: number[];
  color: string;
}

/** The biggest `keep` series as they are, the rest summed into one "Other" series, so a stacked chart stays readable. */
export function topSeries(series: ExplorerSeries[], keep = 8): ChartDataset[] {
  const sorted = [...series].sort((a, b) => b.total - a.total);
  const top = sorted.slice(0, keep).map((s, i) => ({ label: s.label, data: s.amounts, color: palette[i % palette.length] }));
  const rest = sorted.slice(keep);
  if (rest.length) {
    const data = rest[0].amounts.map((_, i) => rest.reduce((a, s) => a + s.amounts[i], 0));
    top.push({ label: `Other (${rest.length})`, data, color: otherColor });
  }
  return top;
}

/** Rows of day/key/amount → labels (every day of the range) and one dataset per key. */
export function dailyDatasets<R extends { day: string }>(rows: R[], days: string[], keyOf: (r: R) => string, amountOf: (r: R) => number): ChartDataset[] {
  const index = new Map(days.map((d, i) => [d, i]));
  const byKey = new Map<string, number[]>();
  for (const r of rows) {
    const i = index.get(r.day);
    if (i === undefined) continue;
    const data = byKey.get(keyOf(r)) ?? days.map(() => 0);
    data[i] += amountOf(r);
    byKey.set(keyOf(r), data);
  }
  return [...byKey]
    .sort((a, b) => b[1].reduce((x, y) => x + y, 0) - a[1].reduce((x, y) => x + y, 0))
    .map(([label, data], i) => ({ label, data, color: palette[i % palette.length] }));
}

/** Every day (YYYY-MM-DD) from `from` to `to`, inclusive. */
export function daysBetween(from: string, to: string): string[] {
  const out: string[] = [];
  for (let t = Date.parse(`${from}T00:00:00Z`); t <= Date.parse(`${to}T00:00:00Z`); t += 86_400_000) out.push(new Date(t).toISOString().slice(0, 10));
  return out;
}

export const addDaysTo = (day: string, n: number) => new Date(Date.parse(`${day}T00:00:00Z`) + n * 86_400_000).toISOString().slice(0, 10);

/** "2026-07-14" → "14 Jul"; "2026-07" → "Jul 2026"; weeks are their Monday. */
export function bucketLabel(bucket: string): string {
  const months = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];
  const [y, m, d] = bucket.split("-");
  return d ? `${Number(d)} ${months[Number(m) - 1]}` : `${months[Number(m) - 1]} ${y}`;
}

export const usageKindLabels: Record<UsageKind, string> = {
  dashboard_view: "Dashboard views",
  query: "Queries",
  model_call: "Model calls",
  api_call: "API calls",
};
export const sourceLabels: Record<string, string> = {
  snowflake: "Snowflake",
  bigquery: "BigQuery",
  databricks: "Databricks",
  fivetran: "Fivetran",
  airbyte: "Airbyte",
};
export const sourceLabel = (s: string) => sourceLabels[s] ?? s;

/** Columns a cost CSV may have; `source`, `external_ref`, `amount`, `currency` and `started_at` are required. */
export const costCsvColumns = [
  "source",
  "external_ref",
  "amount",
  "currency",
  "started_at",
  "ended_at",
  "quantity",
  "unit",
  "description",
  "product",
  "team_id",
  "pipeline",
] as const;
const requiredCsvColumns = ["source", "external_ref", "amount", "currency", "started_at"];

/** RFC 4180 CSV: quoted fields may hold commas, quotes ("") and line breaks. Returns rows of fields. */
export function parseCsv(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let field = "";
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const ch = text[i];
    if (quoted) {
      if (ch === '"' && text[i + 1] === '"') {
        field += '"';
        i++;
      } else if (ch === '"') quoted = false;
      else field += ch;
    } else if (ch === '"' && field === "") quoted = true;
    else if (ch === ",") {
      row.push(field);
      field = "";
    } else if (ch === "\n" || ch === "\r") {
      if (ch === "\r" && text[i + 1] === "\n") i++;
      row.push(field);
      rows.push(row);
      row = [];
      field = "";
    } else field += ch;
  }
  if (field !== "" || row.length) {
    row.push(field);
    rows.push(row);
  }
  return rows.filter((r) => r.some((f) => f.trim() !== ""));
}

/**
 * A cost CSV (header row first) → records for POST /costs, or the problems found, each with its line number.
 * Dates without a time are taken as midnight UTC; `product` may name several products separated by `;`.
 */
export function costRecordsFromCsv(text: string): { records: CostRecordInput[]; problems: string[] } {
  const rows = parseCsv(text.replace(/^\uFEFF/, ""));
  if (!rows.length) return { records: [], problems: ["The file is empty."] };
  const header = rows[0].map((h) => h.trim().toLowerCase());
  const problems: string[] = [];
  const missing = requiredCsvColumns.filter((c) => !header.includes(c));
  if (missing.length) problems.push(`The header row lacks ${missing.join(", ")} (columns: ${costCsvColumns.join(", ")}).`);
  const unknown = header.filter((h) => h && !(costCsvColumns as readonly string[]).includes(h));
  if (unknown.length) problems.push(`Unknown columns: ${unknown.join(", ")}.`);
  if (problems.length) return { records: [], problems };
  const records: CostRecordInput[] = [];
  rows.slice(1).forEach((cells, i) => {
    const line = i + 2;
    const get = (c: string) => (cells[header.indexOf(c)] ?? "").trim();
    const amount = Number(get("amount"));
    if (get("amount") === "" || !Number.isFinite(amount)) problems.push(`Line ${line}: amount "${get("amount")}" is not a number.`);
    const time = (c: string) => {
      const v = get(c);
      if (!v) return undefined;
      const iso = /^\d{4}-\d{2}-\d{2}$/.test(v) ? `${v}T00:00:00Z` : v;
      if (Number.isNaN(Date.parse(iso))) problems.push(`Line ${line}: ${c} "${v}" is not a date.`);
      return Number.isNaN(Date.parse(iso)) ? undefined : new Date(iso).toISOString();
    };
    const started = time("started_at");
    if (!get("started_at")) problems.push(`Line ${line}: started_at is empty.`);
    const quantity = get("quantity");
    const products = get("product")
      .split(";")
      .map((p) => p.trim())
      .filter(Boolean);
    const attribution = {
      ...(products.length ? { products: products.map((name) => ({ name, weight: 1 })) } : {}),
      ...(get("team_id") ? { team_id: get("team_id") } : {}),
      ...(get("pipeline") ? { pipeline: get("pipeline") } : {}),
    };
    records.push({
      source: get("source"),
      external_ref: get("external_ref"),
      amount,
      currency: get("currency").toUpperCase(),
      started_at: started ?? "",
      ...(time("ended_at") ? { ended_at: time("ended_at") } : {}),
      ...(quantity !== "" ? { quantity: Number(quantity) } : {}),
      ...(get("unit") ? { unit: get("unit") } : {}),
      ...(get("description") ? { description: get("description") } : {}),
      ...(Object.keys(attribution).length ? { attribution } : {}),
    });
  });
  return { records: problems.length ? [] : records, problems: problems.slice(0, 20) };
}
