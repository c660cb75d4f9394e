import { describe, expect, it } from "vitest";
import { runStatuses } from "../../../worker/engine/states";
import type { Run } from "../../../web/src/lib/api/types";
import { layoutTimeline, legendEntryOf, timelineLegend, timelineTicks } from "../../../web/src/lib/run-timeline";

const MIN = 60_000;
const HOUR = 60 * MIN;
// Not on a whole hour in any time zone, so the ticks' count does not depend on where the test runs.
const from = Date.parse("2026-12-07T00:17:00Z");
const to = from + 24 * HOUR;
const iso = (t: number | null) => (t === null ? null : new Date(t).toISOString());

function run(id: string, pipeline: string, status: Run["status"], start: number | null, end: number | null, queued = start ?? 0): Run {
  return {
    id,
    pipeline: { id: `pl_${pipeline}`, name: pipeline },
    team_id: "tm_1",
    version: 1,
    status,
    attempt: 1,
    trigger: { kind: "manual", by: null, ref: null },
    params: {},
    logical_at: null,
    backfill_id: null,
    environment: "prod",
    ci: null,
    reason: null,
    queued_at: iso(queued)!,
    started_at: iso(start),
    finished_at: iso(end),
    duration_ms: start !== null && end !== null ? end - start : null,
  };
}

describe("the runs timeline layout", () => {
  const runs = [
    run("run_a", "orders", "succeeded", from + 6 * HOUR, from + 12 * HOUR),
    run("run_b", "orders", "failed", from + 9 * HOUR, from + 10 * HOUR),
    run("run_c", "orders", "succeeded", from + 13 * HOUR, from + 14 * HOUR),
    run("run_d", "marts", "succeeded", from - 2 * HOUR, from + HOUR),
    run("run_e", "marts", "running", to - HOUR, null),
    run("run_f", "marts", "queued", null, null, to - 10 * MIN),
    run("run_g", "marts", "succeeded", to, to),
    run("run_h", "marts", "succeeded", from - 3 * HOUR, from - HOUR),
  ];
  const layout = layoutTimeline(runs, from, to);
  const bar = (id: string) => layout.rows.flatMap((r) => r.bars).find((b) => b.run.id === id)!;

  it("gives one row per pipeline, by name, with a bar per run in the window and none for a run over before it", () => {
    expect(layout.rows.map((r) => [r.pipeline, r.bars.map((b) => b.run.id)])).toEqual([
      ["marts", ["run_d", "run_e", "run_f", "run_g"]],
      ["orders", ["run_a", "run_b", "run_c"]],
    ]);
  });

  it("places a bar from its start to its end in percent of the window", () => {
    expect(bar("run_a")).toMatchObject({ left: 25, width: 25, open: false, clipped: false });
    expect(bar("run_b").left).toBeCloseTo(37.5);
    expect(bar("run_b").width).toBeCloseTo(100 / 24);
  });

  it("clips a run that began before the window at its left edge", () => {
    expect(bar("run_d")).toMatchObject({ left: 0, clipped: true });
    expect(bar("run_d").width).toBeCloseTo(100 / 24);
  });

  it("runs a bar without a finish to the window's end (now) and marks it open; one not started yet begins when it was queued", () => {
    expect(bar("run_e")).toMatchObject({ open: true, end: to });
    expect(bar("run_e").left + bar("run_e").width).toBeCloseTo(100);
    expect(bar("run_f")).toMatchObject({ open: true, start: to - 10 * MIN });
    expect(bar("run_f").label).toMatch(/^marts, Queued, queued .+, waiting 10 min so far$/);
  });

  it("gives an instant run at the very end a sliver inside the window", () => {
    expect(bar("run_g").width).toBe(0.5);
    expect(bar("run_g").left).toBe(99.5);
  });

  it("puts overlapping runs of one pipeline on lanes of their own and reuses a lane once it is free", () => {
    const orders = layout.rows.find((r) => r.pipeline === "orders")!;
    expect(orders.lanes).toBe(2);
    expect([bar("run_a").lane, bar("run_b").lane, bar("run_c").lane]).toEqual([0, 1, 0]);
    // The running, the queued and the instant run all reach the window's end.
    expect(layout.rows.find((r) => r.pipeline === "marts")!.lanes).toBe(3);
    expect(bar("run_d").lane).toBe(0);
  });

  it("labels each bar with pipeline, status, start and duration", () => {
    expect(bar("run_a").label).toMatch(/^orders, Succeeded, started \d+ Dec 2026, \d\d:\d\d:\d\d, ran 6 h$/);
    expect(bar("run_e").label).toMatch(/^marts, Running, started .+, ran 1 h so far$/);
  });
});

describe("the timeline's ticks", () => {
  it("marks every fourth whole hour of 24 hours and every midnight of 7 days, left to right inside the window", () => {
    const day = timelineTicks(from, to);
    expect(day).toHaveLength(6);
    const week = timelineTicks(from, from + 7 * 24 * HOUR);
    expect(week).toHaveLength(7);
    for (const ticks of [day, week]) {
      const lefts = ticks.map((t) => t.left);
      expect(lefts).toEqual([...lefts].sort((a, b) => a - b));
      expect(Math.min(...lefts)).toBeGreaterThan(0);
      expect(Math.max(...lefts)).toBeLessThan(100);
    }
    for (const t of day) expect(t.label).toMatch(/^(0[048]|1[26]|20):00$|^\d+ [A-Z][a-z]{2}$/);
    for (const t of week) expect(t.label).toMatch(/^\d+ [A-Z][a-z]{2}$/);
    expect(timelineTicks(from, from + 6 * HOUR)).toHaveLength(6);
  });
});

describe("the timeline's legend", () => {
  it("explains every run status exactly once", () => {
    const listed = timelineLegend.flatMap((e) => e.statuses);
    expect([...listed].sort()).toEqual([...runStatuses].sort());
    for (const s of runStatuses) expect(legendEntryOf(s).statuses).toContain(s);
  });
});
