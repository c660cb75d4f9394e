import { describe, expect, it } from "vitest";
import { layoutDag } from "../../../web/src/lib/dag-layout";
import { formatDuration } from "../../../web/src/lib/format";
import { formatElapsed, ganttTicks, layoutGantt } from "../../../web/src/lib/gantt";
import { initialParamValues, paramFields, paramsFromValues } from "../../../web/src/lib/params";
import { describeTrigger, runActions, runElapsedMs, upstreamRunId } from "../../../web/src/lib/runs";
import { describeCron, describeSchedule } from "../../../web/src/lib/schedule";
import { statusColor } from "../../../web/src/lib/status";
import { lineDiff } from "../../../web/src/lib/text-diff";
import type { RunDetail, TaskAttempt, TaskRun } from "../../../web/src/lib/api/types";
import { runStatuses, taskStatuses } from "../../../worker/engine/states";

const T0 = Date.parse("2026-03-12T06:00:00Z");
const at = (s: number) => new Date(T0 + s * 1000).toISOString();

function attempt(n: number, status: string, start: number | null, end: number | null): TaskAttempt {
  return {
    attempt: n,
    status,
    external_id: null,
    external_url: null,
    error: null,
    outputs: null,
    retry_kind: n > 1 ? "retrigger" : null,
    queued_at: start === null ? null : at(start),
    started_at: start === null ? null : at(start),
    finished_at: end === null ? null : at(end),
  };
}

function task(key: string, status: TaskRun["status"], attempts: TaskAttempt[], extra: Partial<TaskRun> = {}): TaskRun {
  return {
    key,
    connector: "http",
    connection: "tool",
    status,
    attempt: attempts.length ? attempts[attempts.length - 1].attempt : 0,
    depends_on: [],
    external_id: null,
    external_url: null,
    error: null,
    outputs: null,
    reason: null,
    no_new_data: false,
    queued_at: null,
    started_at: null,
    finished_at: null,
    attempts,
    ...extra,
  };
}

function run(tasks: TaskRun[], finishedAt: number | null, status: RunDetail["status"] = finishedAt === null ? "running" : "succeeded"): RunDetail {
  return {
    id: "run_1",
    pipeline: { id: "pl_1", name: "daily" },
    team_id: "tm_1",
    version: 1,
    status,
    attempt: 1,
    trigger: { kind: "manual", by: "Ada", ref: null },
    params: {},
    logical_at: null,
    backfill_id: null,
    environment: "prod",
    ci: null,
    reason: null,
    queued_at: at(0),
    started_at: at(0),
    finished_at: finishedAt === null ? null : at(finishedAt),
    duration_ms: null,
    tasks,
  };
}

describe("Gantt layout", () => {
  it("places one bar per attempt on the run's time span, earlier failed attempts marked as superseded", () => {
    const layout = layoutGantt(
      run(
        [
          task("extract", "succeeded", [attempt(1, "succeeded", 0, 20)]),
          task("load", "succeeded", [attempt(1, "failed", 20, 40), attempt(2, "succeeded", 60, 100)]),
        ],
        100,
      ),
      T0 + 500_000,
    );
    expect(layout.start).toBe(T0);
    expect(layout.end).toBe(T0 + 100_000);
    const [extract, load] = layout.rows;
    expect(extract.bars).toEqual([expect.objectContaining({ attempt: 1, left: 0, width: 20, open: false, superseded: false })]);
    expect(load.bars.map((b) => [b.attempt, b.status, b.left, b.width, b.superseded])).toEqual([
      [1, "failed", 20, 20, true],
      [2, "succeeded", 60, 40, false],
    ]);
  });

  it("while the run is going, open attempts reach to now and the span grows with it", () => {
    const going = run(
      [
        task("extract", "succeeded", [attempt(1, "succeeded", 0, 10)]),
        task("load", "running", [attempt(1, "running", 10, null)]),
        task("publish", "pending", []),
      ],
      null,
    );
    const early = layoutGantt(going, T0 + 20_000);
    const later = layoutGantt(going, T0 + 40_000);
    expect(early.end).toBe(T0 + 20_000);
    expect(later.end).toBe(T0 + 40_000);
    expect(early.rows[1].bars[0]).toMatchObject({ open: true, left: 50, width: 50 });
    expect(later.rows[1].bars[0]).toMatchObject({ open: true, left: 25, width: 75 });
    expect(later.rows[2].bars).toEqual([]);
  });

  it("gives instant tasks a visible sliver and never draws past the end", () => {
    const layout = layoutGantt(
      run([task("a", "succeeded", [attempt(1, "succeeded", 0, 100)]), task("b", "succeeded", [attempt(1, "succeeded", 100, 100)])], 100),
      T0,
    );
    const b = layout.rows[1].bars[0];
    expect(b.width).toBeGreaterThan(0);
    expect(b.left + b.width).toBeLessThanOrEqual(100);
  });

  it("ticks land on readable steps with elapsed-time labels", () => {
    expect(ganttTicks(6_000).map((t) => t.label)).toEqual(["0s", "1s", "2s", "3s", "4s", "5s", "6s"]);
    expect(ganttTicks(100_000).map((t) => t.label)).toEqual(["0s", "30s", "1m", "1m 30s"]);
    expect(ganttTicks(3 * 3_600_000).map((t) => t.label)).toEqual(["0s", "30m", "1h", "1h 30m", "2h", "2h 30m", "3h"]);
    expect(ganttTicks(100_000).every((t) => t.left >= 0 && t.left <= 100)).toBe(true);
    expect(formatElapsed(90_061_000)).toBe("1d 1h");
  });
});

describe("DAG layout", () => {
  const tasks = [
    { id: "extract", depends_on: [] },
    { id: "transform_a", depends_on: ["extract"] },
    { id: "transform_b", depends_on: ["extract"] },
    { id: "publish", depends_on: ["transform_a", "transform_b", "gone"] },
  ];

  it("lays dependencies out left to right, one edge per known dependency", () => {
    const layout = layoutDag(tasks);
    const x = Object.fromEntries(layout.nodes.map((n) => [n.id, n.x]));
    expect(x.extract).toBeLessThan(x.transform_a);
    expect(x.transform_a).toBe(x.transform_b);
    expect(x.transform_b).toBeLessThan(x.publish);
    expect(layout.edges.map((e) => e.id).sort()).toEqual(["extract->transform_a", "extract->transform_b", "transform_a->publish", "transform_b->publish"]);
    const y = Object.fromEntries(layout.nodes.map((n) => [n.id, n.y]));
    expect(y.transform_a).not.toBe(y.transform_b);
    expect(layout.width).toBeGreaterThan(3 * 200);
  });

  it("top to bottom when asked", () => {
    const layout = layoutDag(tasks, { direction: "TB" });
    const y = Object.fromEntries(layout.nodes.map((n) => [n.id, n.y]));
    expect(y.extract).toBeLessThan(y.transform_a);
    expect(y.transform_a).toBeLessThan(y.publish);
  });
});

describe("Run now parameters", () => {
  const fields = paramFields({ full_refresh: false, days: 7, region: "eu", tables: ["a", "b"] });

  it("prefills inputs from the defaults and sends only what changed", () => {
    const values = initialParamValues(fields);
    expect(values).toEqual({ full_refresh: false, days: "7", region: "eu", tables: '["a","b"]' });
    expect(paramsFromValues(fields, values)).toEqual({ params: {}, errors: {} });
    expect(paramsFromValues(fields, { ...values, full_refresh: true, days: "30", tables: '["c"]' })).toEqual({
      params: { full_refresh: true, days: 30, tables: ["c"] },
      errors: {},
    });
  });

  it("names the fields that do not parse, with the API's paths", () => {
    const { errors } = paramsFromValues(fields, { ...initialParamValues(fields), days: "seven", tables: "[a" });
    expect(errors).toEqual({ "params.days": "enter a number", "params.tables": "enter valid JSON" });
  });
});

describe("schedules in words", () => {
  it("describes common crons and keeps the expression when it cannot", () => {
    expect(describeCron("30 6 * * 1-5")).toBe("At 06:30, Monday through Friday");
    expect(describeCron("*/15 * * * *")).toBe("Every 15 minutes");
    expect(describeCron("not a cron")).toBe("not a cron");
    expect(describeSchedule(null)).toEqual({ text: "No schedule", timezone: null });
    expect(describeSchedule({ cron: "0 6 * * *", timezone: "Europe/London" })).toEqual({ text: "At 06:00", timezone: "Europe/London" });
  });
});

describe("run rules and words", () => {
  it("offers cancel while active, retry after a failure, run again once ended", () => {
    expect(runActions("running")).toEqual({ cancel: true, retry: false, runAgain: false });
    expect(runActions("queued")).toEqual({ cancel: true, retry: false, runAgain: false });
    expect(runActions("failed")).toEqual({ cancel: false, retry: true, runAgain: true });
    expect(runActions("timed_out")).toEqual({ cancel: false, retry: true, runAgain: true });
    expect(runActions("succeeded")).toEqual({ cancel: false, retry: false, runAgain: true });
    expect(runActions("skipped")).toEqual({ cancel: false, retry: false, runAgain: true });
  });

  it("describes triggers and links upstream runs", () => {
    expect(describeTrigger({ trigger: { kind: "manual", by: "Ada", ref: null }, logical_at: null })).toBe("Manual by Ada");
    expect(describeTrigger({ trigger: { kind: "cron", by: null, ref: null }, logical_at: null })).toBe("Schedule");
    const upstream = { trigger: { kind: "upstream" as const, by: null, ref: "run_up" }, logical_at: null };
    expect(describeTrigger(upstream)).toBe("Upstream");
    expect(upstreamRunId(upstream)).toBe("run_up");
    expect(upstreamRunId({ trigger: { kind: "backfill", by: "Ada", ref: "bf_1" } })).toBeNull();
  });

  it("measures elapsed time so far while running", () => {
    expect(runElapsedMs({ started_at: at(0), finished_at: at(90) }, T0 + 999_000)).toBe(90_000);
    expect(runElapsedMs({ started_at: at(0), finished_at: null }, T0 + 12_000)).toBe(12_000);
    expect(runElapsedMs({ started_at: null, finished_at: null }, T0)).toBeNull();
  });

  it("gives every run and task status a colour of its own tone", () => {
    for (const status of [...runStatuses, ...taskStatuses]) expect(statusColor(status)).toMatch(/^var\(--(success|info|warning|danger|neutral)\)$/);
    expect(statusColor("failed")).toBe("var(--danger)");
    expect(statusColor("up_for_retry")).toBe("var(--warning)");
  });

  it("formats durations with two units at most", () => {
    expect(formatDuration(null)).toBe("—");
    expect(formatDuration(850)).toBe("850 ms");
    expect(formatDuration(4_200)).toBe("4.2 s");
    expect(formatDuration(12_000)).toBe("12 s");
    expect(formatDuration(184_000)).toBe("3 min 4 s");
    expect(formatDuration(120_000)).toBe("2 min");
    expect(formatDuration(7_500_000)).toBe("2 h 5 min");
    expect(formatDuration(3 * 86_400_000 + 4 * 3_600_000)).toBe("3 d 4 h");
  });
});

describe("spec text diff", () => {
  it("numbers old and new lines and folds long unchanged stretches", () => {
    const before = `${["name: daily", "a: 1", "b: 2", "c: 3", "d: 4", "e: 5", "f: 6", "g: 7", "h: 8", "tasks: []"].join("\n")}\n`;
    const after = before.replace("name: daily", "name: nightly").replace("tasks: []", "tasks: [x]");
    const rows = lineDiff(before, after);
    expect(rows[0]).toEqual({ kind: "del", text: "name: daily", oldLine: 1, newLine: null });
    expect(rows[1]).toEqual({ kind: "add", text: "name: nightly", oldLine: null, newLine: 1 });
    expect(rows.find((r) => r.kind === "fold")).toEqual({ kind: "fold", count: 2 });
    expect(rows.slice(-2)).toEqual([
      { kind: "del", text: "tasks: []", oldLine: 10, newLine: null },
      { kind: "add", text: "tasks: [x]", oldLine: null, newLine: 10 },
    ]);
  });

  it("folds everything when nothing changed", () => {
    expect(lineDiff("a\nb\n", "a\nb\n")).toEqual([{ kind: "fold", count: 2 }]);
  });
});

describe("DAG layout: a drawing people can read", () => {
  const overlap = (a: { x: number; y: number }, b: { x: number; y: number }) => Math.abs(a.x - b.x) < 200 && Math.abs(a.y - b.y) < 60;
  const edgeCrossings = (layout: ReturnType<typeof layoutDag>) => {
    const at = new Map(layout.nodes.map((n) => [n.id, n]));
    let total = 0;
    for (const a of layout.edges)
      for (const b of layout.edges) {
        if (a.id >= b.id || at.get(a.source)!.x !== at.get(b.source)!.x || at.get(a.target)!.x !== at.get(b.target)!.x) continue;
        if ((at.get(a.source)!.y - at.get(b.source)!.y) * (at.get(a.target)!.y - at.get(b.target)!.y) < 0) total++;
      }
    return total;
  };

  it("draws a chain in a straight line", () => {
    const layout = layoutDag(["a", "b", "c", "d"].map((id, i, all) => ({ id, depends_on: i ? [all[i - 1]] : [] })));
    expect(new Set(layout.nodes.map((n) => n.y)).size).toBe(1);
    expect(layout.nodes.map((n) => n.x)).toEqual([8, 272, 536, 800]);
    expect(layout).toMatchObject({ width: 1008, height: 76 });
  });

  it("centres a fan-out's root on its branches, and no two tasks overlap", () => {
    const branches = Array.from({ length: 5 }, (_, i) => ({ id: `b${i}`, depends_on: ["root"] }));
    const layout = layoutDag([{ id: "root", depends_on: [] }, ...branches, { id: "sink", depends_on: branches.map((b) => b.id) }]);
    const y = Object.fromEntries(layout.nodes.map((n) => [n.id, n.y]));
    const ys = branches.map((b) => y[b.id]);
    expect(y.root).toBeCloseTo((Math.min(...ys) + Math.max(...ys)) / 2, 5);
    expect(y.sink).toBeCloseTo(y.root, 5);
    for (const a of layout.nodes) for (const b of layout.nodes) if (a !== b) expect(overlap(a, b), `${a.id} and ${b.id}`).toBe(false);
    for (const n of layout.nodes) expect(n.y + 60).toBeLessThanOrEqual(layout.height);
  });

  it("orders layers so that two independent streams do not cross", () => {
    // Declared interleaved: a naive order would cross every edge between the streams.
    const tasks = [
      { id: "a1", depends_on: [] },
      { id: "b1", depends_on: [] },
      { id: "b2", depends_on: ["b1"] },
      { id: "a2", depends_on: ["a1"] },
      { id: "a3", depends_on: ["a2"] },
      { id: "b3", depends_on: ["b2"] },
    ];
    expect(edgeCrossings(layoutDag(tasks))).toBe(0);
  });

  it("puts a task after its latest dependency, and keeps room for an edge that skips a layer", () => {
    const layout = layoutDag([
      { id: "a", depends_on: [] },
      { id: "b", depends_on: ["a"] },
      { id: "c", depends_on: ["b"] },
      { id: "d", depends_on: ["a", "c"] },
      { id: "x", depends_on: ["a"] },
    ]);
    const at = Object.fromEntries(layout.nodes.map((n) => [n.id, n]));
    expect(at.d.x).toBeGreaterThan(at.c.x);
    for (const a of layout.nodes) for (const b of layout.nodes) if (a !== b) expect(overlap(a, b), `${a.id} and ${b.id}`).toBe(false);
  });

  it("lays out 200 tasks side by side without overlap, and is the same every time", () => {
    const wide = [
      { id: "root", depends_on: [] },
      ...Array.from({ length: 198 }, (_, i) => ({ id: `t${i}`, depends_on: ["root"] })),
      { id: "sink", depends_on: Array.from({ length: 198 }, (_, i) => `t${i}`) },
    ];
    const layout = layoutDag(wide);
    const ys = layout.nodes
      .filter((n) => n.id.startsWith("t"))
      .map((n) => n.y)
      .sort((a, b) => a - b);
    for (let i = 1; i < ys.length; i++) expect(ys[i] - ys[i - 1]).toBeGreaterThanOrEqual(60 + 28 - 1e-6);
    expect(layoutDag(wide)).toEqual(layout);
  });

  it("draws nothing for no tasks", () => {
    expect(layoutDag([])).toEqual({ nodes: [], edges: [], width: 16, height: 16 });
  });
});
