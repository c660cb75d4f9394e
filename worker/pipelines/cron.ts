import { Cron } from "croner";

/**
 * Schedules are minute-granular five-field cron (croner syntax: names such as MON or JAN, ranges,
 * steps, L/W/#). Day-of-month and day-of-week combine with OR, as in Vixie cron.
 */
export const CRON_OPTIONS = { mode: "5-part", paused: true } as const;

/** A fixed instant to probe from, so validation never depends on today's date or DST state. */
const PROBE_FROM = new Date(Date.UTC(2000, 0, 1));

/** Why `expr` is not a usable schedule, or null when it is. Timezone-independent: DST only moves instants. */
export function isValidCron(expr: string): string | null {
  if (expr.trim().split(/\s+/).length !== 5) return "must have five fields: minute hour day-of-month month day-of-week";
  let job: Cron;
  try {
    job = new Cron(expr, CRON_OPTIONS);
  } catch (err) {
    return `invalid cron expression: ${(err as Error).message.replace(/^CronPattern:\s*/, "")}`;
  }
  // Patterns such as "0 0 31 2 *" parse but never fire; croner gives up after a bounded search.
  return job.nextRun(PROBE_FROM) ? null : "never fires (no such date)";
}

/** True for IANA zone names the runtime knows ("Europe/London", "UTC"); offsets like "+01:00" are refused. */
export function isValidTimezone(tz: string): boolean {
  if (!/^[A-Za-z][A-Za-z0-9_+-]*(\/[A-Za-z0-9_+-]+)*$/.test(tz)) return false;
  try {
    new Intl.DateTimeFormat("en-US", { timeZone: tz });
    return true;
  } catch {
    return false;
  }
}

/**
 * The runtime's spelling when it differs only in case ("europe/london" → "Europe/London") so equal
 * specs hash equally; aliases stay as written (ICU would turn Asia/Kolkata into Asia/Calcutta).
 */
export function canonicalTimezone(tz: string): string {
  const resolved = new Intl.DateTimeFormat("en-US", { timeZone: tz }).resolvedOptions().timeZone;
  return resolved.toLowerCase() === tz.toLowerCase() ? resolved : tz;
}
