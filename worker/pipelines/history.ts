/**
 * A pipeline's run history as its page shows it: which days a range covers, one entry per day (empty days
 * included, so a chart's bars line up with the calendar), and the success rate. Pure, tested without I/O.
 */

const DAY_MS = 86_400_000;

/** The ranges the history offers, in days. */
export const historyRanges = [7, 30, 90] as const;
export type HistoryRange = (typeof historyRanges)[number];

/** `days` whole UTC days ending with today's (so today's runs so far are in): [from, to) in epoch ms. */
export function historyWindow(days: number, now: number): { from: number; to: number } {
  const to = (Math.floor(now / DAY_MS) + 1) * DAY_MS;
  return { from: to - days * DAY_MS, to };
}

/** Succeeded out of the runs that reached a verdict; cancelled and skipped runs say nothing of reliability. */
export function successRate(succeeded: number, failed: number): number | null {
  const decided = succeeded + failed;
  return decided === 0 ? null : succeeded / decided;
}

export interface DayCounts {
  day: number;
  runs: number;
  succeeded: number;
  failed: number;
  avg_success_ms: number | null;
}

/** One entry per UTC day of [from, to), oldest first, with zeros where nothing ran. */
export function everyDay(rows: DayCounts[], from: number, to: number) {
  const byDay = new Map(rows.map((r) => [Number(r.day), r]));
  const out = [];
  for (let day = from / DAY_MS; day < to / DAY_MS; day++) {
    const r = byDay.get(day);
    out.push({
      date: new Date(day * DAY_MS).toISOString().slice(0, 10),
      runs: Number(r?.runs ?? 0),
      succeeded: Number(r?.succeeded ?? 0),
      failed: Number(r?.failed ?? 0),
      avg_success_ms: r?.avg_success_ms == null ? null : Math.round(r.avg_success_ms),
    });
  }
  return out;
}
