/**
 * Pins the test clock: shifts this JavaScript realm's `Date` by `offsetMs`, so `Date.now()` and `new Date()` start at
 * the pinned instant and then run at the real rate. The same function runs in Node (preloaded through NODE_OPTIONS),
 * in workerd (the pool's setup file, and the e2e Worker's entry) and in Chromium (an init script), so every layer of
 * one test run agrees on what "now" is. Self-contained on purpose: Playwright sends its source to the page.
 *
 * Only `Date` moves. Timers, and `performance.now()` (which workerd counts from the epoch), keep the real time: the
 * Durable Object translates its due times to wall-clock alarms through it (`wallNow` in worker/lib/time.ts).
 */
export function shiftDate(offsetMs) {
  const RealDate = globalThis.Date;
  if (!offsetMs || RealDate.tuttiOffsetMs !== undefined) return;
  const realNow = RealDate.now.bind(RealDate);
  class ShiftedDate extends RealDate {
    constructor(...args) {
      if (args.length === 0) super(realNow() + offsetMs);
      else super(...args);
    }
    static now() {
      return realNow() + offsetMs;
    }
    // Dates the runtime makes itself are instances of the real Date; libraries checking `instanceof Date` must
    // still recognise them.
    static [Symbol.hasInstance](value) {
      return value instanceof RealDate;
    }
  }
  Object.defineProperty(ShiftedDate, "tuttiOffsetMs", { value: offsetMs });
  globalThis.Date = ShiftedDate;
}

/** The offset a test run was started with (scripts/test-at.mjs sets it), in milliseconds; 0 when the clock is real. */
export function clockOffsetMs(value) {
  const n = Number(value ?? 0);
  if (!Number.isFinite(n)) throw new Error(`TUTTI_CLOCK_OFFSET_MS must be a number of milliseconds, got "${value}"`);
  return n;
}
