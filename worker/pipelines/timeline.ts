/**
 * The windows the runs timeline offers (GET /runs/timeline?window=…), each ending now. Pure, shared with the dashboard
 * so its switch offers exactly what the API accepts.
 */
const HOUR_MS = 3_600_000;

export const timelineWindowMs = { "6h": 6 * HOUR_MS, "24h": 24 * HOUR_MS, "7d": 7 * 24 * HOUR_MS } as const;
export type TimelineWindow = keyof typeof timelineWindowMs;
export const timelineWindows = Object.keys(timelineWindowMs) as [TimelineWindow, ...TimelineWindow[]];
export const defaultTimelineWindow: TimelineWindow = "24h";

/**
 * [from, to) for `window` ending at `now`, and how far back runs are looked for: a run queued up to one window length
 * before `from` is drawn when it was still going at `from` (clipped at the left edge). A run that began earlier still
 * is drawn while it has not finished; one that did finish inside the window after running longer than the window is
 * the one case left out, which keeps the read an index range of at most two windows.
 */
export function timelineRange(window: TimelineWindow, now: number): { from: number; to: number; lookbackFrom: number } {
  const span = timelineWindowMs[window];
  return { from: now - span, to: now, lookbackFrom: now - 2 * span };
}
