/**
 * Geometry of the Runs page's timeline: one row per pipeline, one bar per run from its start (or, not started yet,
 * from when it was queued) to its end, or to the window's end while it is still going; positions in percent of the
 * window, bars clipped to it, runs of one pipeline that overlap put on lanes of their own. Pure, so the component only
 * draws and this is tested without a browser.
 */
import type { Run, RunStatus } from "./api/types";
import { formatDateTime, formatDuration } from "./format";
import { statusLabel } from "./status";
import { timelineWindows, type TimelineWindow } from "../../../worker/pipelines/timeline";

export { timelineWindows, type TimelineWindow };
export const timelineWindowLabels: Record<TimelineWindow, string> = { "6h": "6 hours", "24h": "24 hours", "7d": "7 days" };

export interface TimelineBar {
  run: Run;
  /** Where the bar begins and ends (epoch ms), before clipping. */
  start: number;
  end: number;
  /** No finish yet: the bar ends at the window's end, which is now. */
  open: boolean;
  /** Began before the window: drawn from its left edge. */
  clipped: boolean;
  left: number;
  width: number;
  /** Which of the row's lanes it is on (0 = top). */
  lane: number;
  /** What a screen reader (and a hover) says about it. */
  label: string;
}

export interface TimelineRow {
  pipeline: string;
  lanes: number;
  bars: TimelineBar[];
}

export interface TimelineTick {
  left: number;
  label: string;
}

export interface TimelineLayout {
  rows: TimelineRow[];
  ticks: TimelineTick[];
}

/** An instant run still gets a sliver that can be seen and pointed at (the component passes its own, from pixels). */
const MIN_WIDTH_PCT = 0.5;
/** Room between two bars on one lane, so they do not read as one. */
const LANE_GAP_PCT = 0.3;
const HOUR_MS = 3_600_000;
/** Tick spacings in hours, the first that gives at most MAX_TICKS ticks is used. */
const TICK_HOURS = [1, 2, 3, 4, 6, 12, 24];
const MAX_TICKS = 7;
const MONTHS = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];

const ms = (iso: string | null) => (iso ? Date.parse(iso) : null);

/** "orders, Failed, started 7 Dec 2026, 14:05:09, ran 3 min 4 s": pipeline, status, start, duration. */
export function barLabel(run: Run, start: number, end: number, open: boolean): string {
  const started = run.started_at !== null;
  const when = `${started ? "started" : "queued"} ${formatDateTime(new Date(start).toISOString())}`;
  const took = `${started ? "ran" : "waiting"} ${formatDuration(end - start)}${open ? " so far" : ""}`;
  return `${run.pipeline.name}, ${statusLabel(run.status)}, ${when}, ${took}`;
}

/** Puts each bar on the first lane whose last bar ends before it begins; bars sorted by start. */
function assignLanes(bars: TimelineBar[]): number {
  const laneEnds: number[] = [];
  for (const bar of bars) {
    const lane = laneEnds.findIndex((end) => end + LANE_GAP_PCT <= bar.left);
    bar.lane = lane === -1 ? laneEnds.length : lane;
    laneEnds[bar.lane] = bar.left + bar.width;
  }
  return Math.max(1, laneEnds.length);
}

/**
 * Ticks at whole local hours that are a multiple of the step (midnights for a day step), labelled "14:00", or with
 * the date ("7 Dec") at midnight. Walking hour by hour keeps them on the clock's hours across a DST change.
 */
export function timelineTicks(from: number, to: number): TimelineTick[] {
  const span = to - from;
  const stepHours = TICK_HOURS.find((h) => span / (h * HOUR_MS) <= MAX_TICKS) ?? 24;
  const first = new Date(from);
  first.setMinutes(0, 0, 0);
  const ticks: TimelineTick[] = [];
  for (let at = first.getTime(); at <= to; at += HOUR_MS) {
    const d = new Date(at);
    if (at < from || d.getMinutes() !== 0 || (stepHours >= 24 ? d.getHours() !== 0 : d.getHours() % stepHours !== 0)) continue;
    const label = d.getHours() === 0 ? `${d.getDate()} ${MONTHS[d.getMonth()]}` : `${String(d.getHours()).padStart(2, "0")}:00`;
    ticks.push({ left: ((at - from) / span) * 100, label });
  }
  return ticks;
}

/**
 * Lays out `runs` over [from, to] (`to` is now, as the API said). Rows by pipeline name; runs wholly outside are left
 * out. `minWidthPct` is the narrowest bar, so that bars which would touch on screen go on separate lanes.
 */
export function layoutTimeline(runs: Run[], from: number, to: number, minWidthPct = MIN_WIDTH_PCT): TimelineLayout {
  const span = Math.max(1, to - from);
  const pct = (t: number) => ((t - from) / span) * 100;
  const byPipeline = new Map<string, TimelineBar[]>();
  for (const run of runs) {
    const start = ms(run.started_at) ?? ms(run.queued_at)!;
    const finished = ms(run.finished_at);
    const end = Math.max(start, finished ?? to);
    if (end < from || start > to) continue;
    const width = Math.min(100, Math.max(minWidthPct, pct(Math.min(end, to)) - pct(Math.max(start, from))));
    // A sliver at the very end is drawn just inside the window rather than past it.
    const left = Math.min(Math.max(0, pct(start)), 100 - width);
    const bar = { run, start, end, open: finished === null, clipped: start < from, left, width, lane: 0, label: barLabel(run, start, end, finished === null) };
    const bars = byPipeline.get(run.pipeline.name) ?? [];
    bars.push(bar);
    byPipeline.set(run.pipeline.name, bars);
  }
  const rows = [...byPipeline.entries()]
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([pipeline, bars]) => {
      bars.sort((a, b) => a.left - b.left || a.run.id.localeCompare(b.run.id));
      return { pipeline, lanes: assignLanes(bars), bars };
    });
  return { rows, ticks: timelineTicks(from, to) };
}

/** How the bars look, each meaning said once; every run status is in exactly one entry. */
export interface LegendEntry {
  statuses: RunStatus[];
  /** The status whose colour the swatch takes. */
  color: RunStatus;
  /** Drawn as the bars of these statuses are: solid, striped (running) or outlined (waiting). */
  look: "solid" | "striped" | "outlined";
  label: string;
}

export const timelineLegend: LegendEntry[] = [
  { statuses: ["succeeded"], color: "succeeded", look: "solid", label: "Succeeded" },
  { statuses: ["failed", "timed_out"], color: "failed", look: "solid", label: "Failed or timed out" },
  { statuses: ["running"], color: "running", look: "striped", label: "Running (up to now)" },
  { statuses: ["queued"], color: "queued", look: "outlined", label: "Queued, not started yet" },
  { statuses: ["cancelled", "skipped"], color: "cancelled", look: "solid", label: "Cancelled or skipped" },
];

/** The legend entry a run's bar is drawn by. */
export function legendEntryOf(status: RunStatus): LegendEntry {
  return timelineLegend.find((e) => e.statuses.includes(status)) ?? timelineLegend[timelineLegend.length - 1];
}
