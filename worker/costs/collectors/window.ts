/**
 * Which time window a collector stream reads next. A stream's watermark is the end of the last window it read;
 * the next window starts a trailing margin before it, because usage views publish rows late (Snowflake
 * ACCOUNT_USAGE up to hours, Databricks billing up to half a day) and restate them: rows read again are upserted on
 * their natural key, so a late row is added and a restated one corrected, never counted twice. A window is at most
 * `maxWindowMs` long, so a pass far behind (the first, or after an outage) does bounded work and the next pass
 * continues where it stopped.
 */
export interface StreamTiming {
  /** How far before the watermark each window starts again (the vendor's latency, with margin). */
  trailingMs: number;
  /** Longest window one pass reads. */
  maxWindowMs: number;
}

export interface CollectWindow {
  from: number;
  to: number;
  /** The window reaches `now`: the stream has nothing older left to read. */
  caughtUp: boolean;
}

/** The next window of a stream whose watermark is `watermark` (null: never read; start `lookbackMs` ago). */
export function nextWindow(timing: StreamTiming, watermark: number | null, now: number, lookbackMs: number): CollectWindow {
  const earliest = now - lookbackMs;
  // A watermark older than the lookback (a collector re-enabled after a long pause) restarts at the lookback.
  const mark = watermark === null ? earliest : Math.min(Math.max(watermark, earliest), now);
  const from = watermark === null ? earliest : Math.max(earliest, mark - timing.trailingMs);
  const to = Math.min(now, mark + timing.maxWindowMs);
  return { from, to: Math.max(to, from), caughtUp: to >= now };
}

export const HOUR_MS = 3_600_000;
export const DAY_MS = 86_400_000;

/** ISO-8601 with milliseconds and an explicit UTC offset, as the SQL statements bind their window bounds. */
export const isoUtc = (ms: number) => new Date(ms).toISOString().replace("Z", "+00:00");
