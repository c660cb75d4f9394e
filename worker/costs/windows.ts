import { addDays, daysBetween, monthRange, previousMonth } from "./period";

/** Inclusive day range. */
export interface DayRange {
  from: string;
  to: string;
}

/**
 * The time ranges the Overview and product pages offer: the month to date (the default, what budgets count) or the
 * trailing 7, 30 or 90 UTC days. `?range=` on the API and in the dashboard's URL.
 */
export const rangeKeys = ["mtd", "7d", "30d", "90d"] as const;
export type RangeKey = (typeof rangeKeys)[number];

const trailingDays: Record<Exclude<RangeKey, "mtd">, number> = { "7d": 7, "30d": 30, "90d": 90 };

/**
 * The windows a scorecard compares, for a month, a range and today's date:
 * - month: the selected window, ending today (or on the month's last day once the month is over): for `mtd` the
 *   month to date, for `7d`/`30d`/`90d` that many days (which may reach back into earlier months);
 * - previous: what the trend compares with — for `mtd` the same number of days at the start of the previous month,
 *   otherwise the same number of days just before the window;
 * - last30: the 30 days ending where `month` ends, for value ÷ cost and zombie detection (a definition, whatever
 *   the range).
 */
export interface ScorecardWindows {
  period: string;
  range: RangeKey;
  month: DayRange;
  previous: DayRange;
  last30: DayRange;
  /** Days in `month`. */
  days: number;
}

export function scorecardWindows(period: string, today: string, range: RangeKey = "mtd"): ScorecardWindows {
  const { from, to } = monthRange(period);
  const lastDay = addDays(to, -1);
  const asOf = today < from ? from : today > lastDay ? lastDay : today;
  const last30 = { from: addDays(asOf, -29), to: asOf };
  if (range !== "mtd") {
    const days = trailingDays[range];
    const start = addDays(asOf, -(days - 1));
    return { period, range, month: { from: start, to: asOf }, previous: { from: addDays(start, -days), to: addDays(start, -1) }, last30, days };
  }
  const days = daysBetween(from, asOf) + 1;
  const prev = monthRange(previousMonth(period));
  const prevLast = addDays(prev.to, -1);
  const prevTo = addDays(prev.from, days - 1);
  return {
    period,
    range,
    month: { from, to: asOf },
    // biome-ignore lint/complexity/useMathMinMax: ISO day strings, compared as text
    previous: { from: prev.from, to: prevTo > prevLast ? prevLast : prevTo },
    last30,
    days,
  };
}
