/**
 * Geometry of a run's task Gantt chart: one row per task, one bar per attempt, positions in percent of
 * the run's time span. Pure, so the chart component only draws and this is tested without a browser.
 */
import type { RunDetail, TaskRun } from "./api/types";

export interface GanttBar {
  attempt: number;
  status: string;
  start: number;
  /** For an attempt still in progress: now. */
  end: number;
  /** Still in progress (no finish time yet). */
  open: boolean;
  /** An earlier attempt that did not succeed, drawn hatched beside the one that counts. */
  superseded: boolean;
  left: number;
  width: number;
}

export interface GanttRow {
  task: TaskRun;
  bars: GanttBar[];
}

export interface GanttTick {
  left: number;
  label: string;
}

export interface GanttLayout {
  start: number;
  end: number;
  rows: GanttRow[];
  ticks: GanttTick[];
}

/** Tick spacings people read easily, from one second to a day. */
const STEPS_MS = [1, 2, 5, 10, 15, 30, 60, 120, 300, 600, 900, 1800, 3600, 7200, 10800, 21600, 43200, 86400].map((s) => s * 1000);
const MAX_TICKS = 6;
/** Instant tasks still get a visible sliver. */
const MIN_WIDTH_PCT = 0.6;
const MIN_SPAN_MS = 1000;

const ms = (iso: string | null) => (iso ? Date.parse(iso) : null);

/** "0s", "45s", "1m", "1m 30s", "2h", "1h 30m": elapsed time since the run started, for axis labels. */
export function formatElapsed(elapsedMs: number): string {
  const s = Math.round(elapsedMs / 1000);
  if (s < 60) return `${s}s`;
  if (s < 3600) return s % 60 ? `${Math.floor(s / 60)}m ${s % 60}s` : `${s / 60}m`;
  const m = Math.round(s / 60);
  if (m < 24 * 60) return m % 60 ? `${Math.floor(m / 60)}h ${m % 60}m` : `${m / 60}h`;
  const h = Math.round(m / 60);
  return h % 24 ? `${Math.floor(h / 24)}d ${h % 24}h` : `${h / 24}d`;
}

/** Evenly spaced ticks at a readable step, at most MAX_TICKS + 1 of them, labelled by elapsed time. */
export function ganttTicks(spanMs: number): GanttTick[] {
  const step = STEPS_MS.find((s) => spanMs / s <= MAX_TICKS) ?? Math.ceil(spanMs / MAX_TICKS / 86_400_000) * 86_400_000;
  const ticks: GanttTick[] = [];
  for (let at = 0; at <= spanMs; at += step) ticks.push({ left: (at / spanMs) * 100, label: formatElapsed(at) });
  return ticks;
}

/**
 * Lays out `run` as of `now`. The span runs from the run's start (or the first attempt, or when it was
 * queued) to its end, or to now while it is still going, so bars grow as time passes.
 */
export function layoutGantt(run: RunDetail, now: number): GanttLayout {
  const terminal = run.finished_at !== null;
  const attemptStarts = run.tasks.flatMap((t) => t.attempts.map((a) => ms(a.started_at) ?? ms(a.queued_at))).filter((v): v is number => v !== null);
  const start = Math.min(ms(run.started_at) ?? Infinity, ...attemptStarts, ms(run.queued_at) ?? now);
  const attemptEnds = run.tasks.flatMap((t) => t.attempts.map((a) => ms(a.finished_at))).filter((v): v is number => v !== null);
  const end = Math.max(terminal ? ms(run.finished_at)! : now, ...attemptEnds, start + MIN_SPAN_MS);
  const span = end - start;
  const pct = (t: number) => ((t - start) / span) * 100;

  const rows = run.tasks.map((task) => {
    const bars: GanttBar[] = [];
    for (const attempt of task.attempts) {
      const from = ms(attempt.started_at) ?? ms(attempt.queued_at);
      if (from === null) continue;
      const finished = ms(attempt.finished_at);
      const to = finished ?? (terminal ? end : now);
      const width = Math.min(Math.max(pct(to) - pct(from), MIN_WIDTH_PCT), 100);
      // A sliver at the very end is drawn just inside the chart rather than cut off.
      const left = Math.min(pct(from), 100 - width);
      bars.push({
        attempt: attempt.attempt,
        status: attempt.status,
        start: from,
        end: Math.max(to, from),
        open: finished === null && !terminal,
        superseded: attempt.attempt < task.attempt,
        left,
        width,
      });
    }
    return { task, bars };
  });
  return { start, end, rows, ticks: ganttTicks(span) };
}
