/** Days and months of the cost ledger are UTC calendar days ("2026-07-14") and months ("2026-07"). */

const DAY_MS = 86_400_000;

export const dayOf = (ms: number): string => new Date(ms).toISOString().slice(0, 10);
export const monthOf = (ms: number): string => new Date(ms).toISOString().slice(0, 7);
export const monthOfDay = (day: string): string => day.slice(0, 7);

export const periodPattern = /^\d{4}-(0[1-9]|1[0-2])$/;
export const dayPattern = /^\d{4}-(0[1-9]|1[0-2])-(0[1-9]|[12]\d|3[01])$/;

/** Epoch ms of a day's start (UTC). */
export const dayStart = (day: string): number => Date.parse(`${day}T00:00:00.000Z`);

export function addDays(day: string, n: number): string {
  return dayOf(dayStart(day) + n * DAY_MS);
}

/** Whole days from `a` to `b` (b − a). */
export const daysBetween = (a: string, b: string): number => Math.round((dayStart(b) - dayStart(a)) / DAY_MS);

/** First day of the month and the first day of the next one (exclusive end). */
export function monthRange(period: string): { from: string; to: string } {
  const [y, m] = period.split("-").map(Number);
  const next = m === 12 ? `${y + 1}-01` : `${y}-${String(m + 1).padStart(2, "0")}`;
  return { from: `${period}-01`, to: `${next}-01` };
}

export function previousMonth(period: string): string {
  const [y, m] = period.split("-").map(Number);
  return m === 1 ? `${y - 1}-12` : `${y}-${String(m - 1).padStart(2, "0")}`;
}

export const daysInMonth = (period: string): number => {
  const { from, to } = monthRange(period);
  return daysBetween(from, to);
};

/** Every day from `from` to `to`, both included. */
export function eachDay(from: string, to: string): string[] {
  const out: string[] = [];
  for (let d = from; d <= to; d = addDays(d, 1)) out.push(d);
  return out;
}

/** A valid calendar day (not only the right shape: 2026-02-30 is refused). */
export const isDay = (text: string): boolean => dayPattern.test(text) && dayOf(dayStart(text)) === text;
