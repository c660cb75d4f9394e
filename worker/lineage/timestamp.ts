/**
 * ISO-8601 date-times as real producers write them: `Z`, `+10:00`, `+1000`, or no zone at all (read as UTC,
 * which is what the OpenLineage Python client means when it omits it), and fractions of any length (digits
 * past milliseconds are dropped, so nanosecond timestamps keep their millisecond). A space may stand for `T`.
 */
const pattern = /^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2})(?:[.,](\d+))?)?)?\s*(Z|z|[+-]\d{2}(?::?\d{2})?)?$/;

/** Epoch milliseconds, or null when the text is not a date-time (placeholders like `${json-unit.any-string}` included). */
export function parseTimestamp(text: string): number | null {
  const m = pattern.exec(text.trim());
  if (!m) return null;
  const [, y, mo, d, h = "0", mi = "0", s = "0", frac = "", zone] = m;
  const year = Number(y);
  const month = Number(mo);
  const day = Number(d);
  const hour = Number(h);
  const minute = Number(mi);
  const second = Number(s);
  if (month < 1 || month > 12 || day < 1 || day > 31 || hour > 23 || minute > 59 || second > 60) return null;
  const millis = Number(frac.slice(0, 3).padEnd(3, "0"));
  let ms = Date.UTC(year, month - 1, day, hour, minute, Math.min(second, 59), millis);
  // Date.UTC rolls 31 February over into March; a date that changes on the way through was not a date.
  const check = new Date(ms);
  if (check.getUTCFullYear() !== year || check.getUTCMonth() !== month - 1 || check.getUTCDate() !== day) return null;
  if (zone && zone !== "Z" && zone !== "z") {
    const sign = zone[0] === "-" ? -1 : 1;
    const digits = zone.slice(1).replace(":", "");
    const offsetMinutes = Number(digits.slice(0, 2)) * 60 + Number(digits.slice(2, 4) || "0");
    if (offsetMinutes > 18 * 60) return null;
    ms -= sign * offsetMinutes * 60_000;
  }
  return ms;
}
