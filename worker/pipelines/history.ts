/**
 * A pipeline's run history as its page shows it: which days a range covers, one entry per day (empty days
 * included, so a chart's bars line up with the calendar), and the success rate. Pure, tested without I/O.
 * UTC days through the cost ledger's day helpers, so both count days alike.
 */
import { addDays, dayOf, dayStart, eachDay } from "../costs/period";

const DAY_MS = 86_400_000;

/** The ranges the history offers, in days. */
export const historyRanges = [7, 30, 90] as const;
export type HistoryRange = (typeof historyRanges)[number];

/** `days` whole UTC days ending with today's (so today's runs so far are in): [from, to) in epoch ms. */
export function historyWindow(days: number, now: number): { from: number; to: number } {
  const today = dayOf(now);
  return { from: dayStart(addDays(today, 1 - days)), to: dayStart(addDays(today, 1)) };
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

/** One entry per UTC day of [from, to), oldest first, with zeros where nothing ran. `day` counts days since the epoch. */
export function everyDay(rows: DayCounts[], from: number, to: number) {
  const byDate = new Map(rows.map((r) => [dayOf(Number(r.day) * DAY_MS), r]));
  return eachDay(dayOf(from), dayOf(to - 1)).map((date) => {
    const r = byDate.get(date);
    return {
      date,
      runs: Number(r?.runs ?? 0),
      succeeded: Number(r?.succeeded ?? 0),
      failed: Number(r?.failed ?? 0),
      avg_success_ms: r?.avg_success_ms == null ? null : Math.round(r.avg_success_ms),
    };
  });
}
