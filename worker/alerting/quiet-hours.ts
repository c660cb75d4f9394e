import { nextSlot } from "../engine/cron";

/** A daily window in which a rule holds non-critical notifications. */
export interface QuietHours {
  /** "22:00": local wall-clock start. */
  start: string;
  /** "07:00": local wall-clock end; before the start means the window spans midnight. */
  end: string;
  timezone: string;
}

const minutesOf = (hhmm: string) => {
  const [h, m] = hhmm.split(":").map(Number);
  return h * 60 + m;
};

/** Minutes since local midnight at `at` in `timezone`. */
export function localMinutes(at: number, timezone: string): number {
  const parts = new Intl.DateTimeFormat("en-GB", { timeZone: timezone, hour: "2-digit", minute: "2-digit", hourCycle: "h23" }).formatToParts(new Date(at));
  const hour = Number(parts.find((p) => p.type === "hour")?.value ?? 0);
  const minute = Number(parts.find((p) => p.type === "minute")?.value ?? 0);
  return hour * 60 + minute;
}

/** True when local time at `at` lies in [start, end); an end before the start spans midnight. Equal start and end: never. */
export function inQuietHours(q: QuietHours, at: number): boolean {
  const now = localMinutes(at, q.timezone);
  const start = minutesOf(q.start);
  const end = minutesOf(q.end);
  if (start === end) return false;
  return start < end ? now >= start && now < end : now >= start || now < end;
}

/** When the quiet period containing `at` ends (DST-aware through croner), or null when `at` is not quiet. */
export function quietUntil(q: QuietHours, at: number): number | null {
  if (!inQuietHours(q, at)) return null;
  const [h, m] = q.end.split(":").map(Number);
  return nextSlot(`${m} ${h} * * *`, q.timezone, at);
}
