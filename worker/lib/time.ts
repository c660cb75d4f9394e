/** Injected clock so tests and the engine can move time. */
export interface Clock {
  now(): number;
}
export const systemClock: Clock = { now: () => Date.now() };

/**
 * Wall-clock time as the runtime's timers see it, for Durable Object alarms. Business time comes from a `Clock`
 * (which tests may move, and whose `Date` a pinned test run shifts — test/clock); alarms fire by the machine's real
 * time, which workerd's `performance.now()` counts from the epoch (timeOrigin 0) and nothing shifts.
 */
export const wallNow = () => performance.timeOrigin + performance.now();

export const iso = (ms: number) => new Date(ms).toISOString();

const unitMs = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 } as const;
const durationPattern = /^(\d+(?:\.\d+)?)(ms|s|m|h|d)$/;

/** "90s", "5m", "2h", "1d" → milliseconds; undefined when the text is not a duration. */
export function parseDuration(text: string): number | undefined {
  const parts = text.trim().split(/\s+/);
  let total = 0;
  for (const part of parts) {
    const m = durationPattern.exec(part);
    if (!m) return undefined;
    total += Number(m[1]) * unitMs[m[2] as keyof typeof unitMs];
  }
  return total;
}
