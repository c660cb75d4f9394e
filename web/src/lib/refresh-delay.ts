/** When a live page reads its lists again (live.svelte.ts); pure, so it is tested without a browser. */

/** How often a visible list is read again. */
export const REFRESH_MS = 15_000;
/** The longest wait after repeated failures. */
const MAX_BACKOFF_MS = 120_000;

/** The wait after `failures` failed refreshes in a row: doubling from the normal interval, capped. */
export function nextRefreshDelay(failures: number, everyMs = REFRESH_MS): number {
  return Math.min(everyMs * 2 ** Math.min(failures, 10), Math.max(everyMs, MAX_BACKOFF_MS));
}
