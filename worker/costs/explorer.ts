import { addDays, daysBetween, monthOfDay } from "./period";

/** Pure helpers of the cost explorer: the buckets of a range, pivoting cells into series, and CSV. */

export type Granularity = "day" | "week" | "month";

/** Monday of the ISO week a day falls in. */
export function weekOf(day: string): string {
  const weekday = new Date(`${day}T00:00:00Z`).getUTCDay(); // 0 = Sunday
  return addDays(day, -((weekday + 6) % 7));
}

/** Every bucket from `from` to `to` (inclusive), so charts have a continuous axis. */
export function bucketsOf(from: string, to: string, granularity: Granularity): string[] {
  const out: string[] = [];
  if (granularity === "day") {
    for (let d = from; d <= to; d = addDays(d, 1)) out.push(d);
  } else if (granularity === "week") {
    for (let d = weekOf(from); d <= to; d = addDays(d, 7)) out.push(d);
  } else {
    for (let m = monthOfDay(from); m <= monthOfDay(to); ) {
      out.push(m);
      const [y, mm] = m.split("-").map(Number);
      m = mm === 12 ? `${y + 1}-01` : `${y}-${String(mm + 1).padStart(2, "0")}`;
    }
  }
  return out;
}

/** Most buckets one explorer answer holds (a year of days). */
export const MAX_BUCKETS = 400;

export const rangeDays = (from: string, to: string) => daysBetween(from, to) + 1;

export interface Cell {
  bucket: string;
  key: string;
  amountMicros: number;
  records: number;
}

export interface Series {
  key: string;
  totalMicros: number;
  records: number;
  amountsMicros: number[];
}

/** Cells → one series per key with an amount per bucket, biggest total first. */
export function pivot(cells: Cell[], buckets: string[]): Series[] {
  const index = new Map(buckets.map((b, i) => [b, i]));
  const byKey = new Map<string, Series>();
  for (const c of cells) {
    const i = index.get(c.bucket);
    if (i === undefined) continue;
    let s = byKey.get(c.key);
    if (!s) {
      s = { key: c.key, totalMicros: 0, records: 0, amountsMicros: buckets.map(() => 0) };
      byKey.set(c.key, s);
    }
    s.amountsMicros[i] += c.amountMicros;
    s.totalMicros += c.amountMicros;
    s.records += c.records;
  }
  return [...byKey.values()].sort((a, b) => b.totalMicros - a.totalMicros || a.key.localeCompare(b.key));
}

/** One CSV field: quoted when needed, and defused when a spreadsheet would run it as a formula. */
export function csvField(value: string | number): string {
  let text = String(value);
  if (typeof value === "string" && /^[=+\-@\t\r]/.test(text)) text = `'${text}`;
  return /[",\r\n]/.test(text) ? `"${text.replaceAll('"', '""')}"` : text;
}

export function csv(rows: Array<Array<string | number>>): string {
  return `${rows.map((r) => r.map(csvField).join(",")).join("\r\n")}\r\n`;
}
