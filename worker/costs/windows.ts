import { addDays, daysBetween, monthRange, previousMonth } from "./period";

/** Inclusive day range. */
export interface DayRange {
  from: string;
  to: string;
}

/**
 * The windows a scorecard compares, for a month and today's date:
 * - month: the month up to today (the whole month once it is over), "month to date";
 * - previous: the same number of days at the start of the previous month, for a fair trend;
 * - last30: the 30 days ending where `month` ends, for value ÷ cost and zombie detection.
 */
export interface ScorecardWindows {
  period: string;
  month: DayRange;
  previous: DayRange;
  last30: DayRange;
  /** Days of the month covered so far. */
  elapsedDays: number;
}

export function scorecardWindows(period: string, today: string): ScorecardWindows {
  const { from, to } = monthRange(period);
  const lastDay = addDays(to, -1);
  const asOf = today < from ? from : today > lastDay ? lastDay : today;
  const elapsedDays = daysBetween(from, asOf) + 1;
  const prev = monthRange(previousMonth(period));
  const prevLast = addDays(prev.to, -1);
  const prevTo = addDays(prev.from, elapsedDays - 1);
  return {
    period,
    month: { from, to: asOf },
    // biome-ignore lint/complexity/useMathMinMax: ISO day strings, compared as text
    previous: { from: prev.from, to: prevTo > prevLast ? prevLast : prevTo },
    last30: { from: addDays(asOf, -29), to: asOf },
    elapsedDays,
  };
}
