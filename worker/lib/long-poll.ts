/** The first re-read waits this long; each next one twice as long, up to MAX_INTERVAL_MS. */
const FIRST_INTERVAL_MS = 250;
const MAX_INTERVAL_MS = 2000;

export interface LongPollOptions {
  /** Wall-clock time (ms) at which to answer with whatever is current. */
  deadline: number;
  /** The client's request signal (`c.req.raw.signal`): once it aborts nobody waits for the answer. */
  signal: AbortSignal;
  now?: () => number;
  sleep?: (ms: number, signal: AbortSignal) => Promise<void>;
}

/** Resolves after `ms`, or at once when `signal` aborts. */
export function sleepUnlessAborted(ms: number, signal: AbortSignal): Promise<void> {
  if (signal.aborted) return Promise.resolve();
  return new Promise((resolve) => {
    const done = () => {
      clearTimeout(timer);
      signal.removeEventListener("abort", done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    signal.addEventListener("abort", done);
  });
}

/**
 * Re-reads `read` until `done(value)`, the deadline, or the client going away. Waits back off (250 ms, 500 ms,
 * 1 s, then every 2 s) so a page left open costs a handful of reads a minute, not four a second, and a client
 * that disconnects stops the reads at once instead of holding D1 until the deadline.
 */
export async function longPoll<T>(first: T, read: () => Promise<T>, done: (value: T) => boolean, options: LongPollOptions): Promise<T> {
  const now = options.now ?? Date.now;
  const sleep = options.sleep ?? sleepUnlessAborted;
  let value = first;
  let interval = FIRST_INTERVAL_MS;
  while (!done(value) && !options.signal.aborted) {
    const remaining = options.deadline - now();
    if (remaining <= 0) break;
    await sleep(Math.min(interval, remaining), options.signal);
    if (options.signal.aborted) break;
    value = await read();
    interval = Math.min(interval * 2, MAX_INTERVAL_MS);
  }
  return value;
}
