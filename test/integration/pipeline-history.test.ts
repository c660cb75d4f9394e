import { describe, expect, it } from "vitest";
import { historyWindow } from "../../worker/pipelines/history";
import { api, expectError, signup } from "../helpers/api";
import { tenantD1 } from "../helpers/tenant-db";
import { isTerminal, waitForRun } from "../helpers/engine";
import { pushPipeline, setupTenant, toolTask } from "../helpers/pipelines";

const DAY = 86_400_000;
const SECOND = 1000;

interface History {
  summary: { runs: number; succeeded: number; failed: number; success_rate: number | null; duration_p50_ms: number | null; duration_p95_ms: number | null };
  daily: Array<{ date: string; runs: number; succeeded: number; failed: number; avg_success_ms: number | null }>;
  recent: Array<{ id: string; status: string; queued_at: string; duration_ms: number | null }>;
}

/** A run row as the engine writes it through to D1, for a history with known numbers. */
async function seedRun(
  tenantId: string,
  pipelineId: string,
  r: { id: string; status: string; queuedAt: number; seconds: number | null; environment?: string },
) {
  const started = r.queuedAt + SECOND;
  await (await tenantD1(tenantId))
    .prepare(
      "INSERT INTO runs (tenant_id, id, pipeline_id, pipeline_name, team_id, version_id, version, status, attempt, trigger_kind, params, environment, queued_at, started_at, finished_at, seq) VALUES (?, ?, ?, 'seeded', 'tm', 'pv', 1, ?, 1, 'manual', '{}', ?, ?, ?, ?, 1)",
    )
    .bind(tenantId, r.id, pipelineId, r.status, r.environment ?? "prod", r.queuedAt, started, r.seconds === null ? null : started + r.seconds * SECOND)
    .run();
}

describe("a pipeline's history", () => {
  it("counts runs the engine finished: a success and a failure make a 50 % success rate, both runs in today's bar and the latest runs", async () => {
    const { s, team } = await setupTenant();
    await pushPipeline(s, {
      name: "flaky_sync",
      team: team.slug,
      params: { outcome: "succeeded" },
      tasks: [toolTask("sync", { polls: 1, outcome: "${{ params.outcome }}" }, { poll_interval: "1s" })],
    });
    const ok = (await api("/pipelines/flaky_sync/runs", { as: s, body: {} })).json.id as string;
    await waitForRun(s, ok, isTerminal);
    const bad = (await api("/pipelines/flaky_sync/runs", { as: s, body: { params: { outcome: "failed" } } })).json.id as string;
    expect((await waitForRun(s, bad, isTerminal)).status).toBe("failed");
    expect((await waitForRun(s, ok, isTerminal)).status).toBe("succeeded");

    const res = await api("/pipelines/flaky_sync/history?days=7", { as: s });
    expect(res.status).toBe(200);
    const h = res.json as History;
    expect(h.summary).toMatchObject({ runs: 2, succeeded: 1, failed: 1, success_rate: 0.5 });
    expect(h.summary.duration_p50_ms).toBeGreaterThan(0);
    expect(h.daily).toHaveLength(7);
    expect(h.daily.reduce((n, d) => n + d.runs, 0)).toBe(2);
    expect(h.recent.map((r) => [r.id, r.status])).toEqual([
      [ok, "succeeded"],
      [bad, "failed"],
    ]);
  });

  it("gives the median and 95th percentile of successful runs, a mean per day, zero days, and leaves out CI runs and runs before the range", async () => {
    const { s, team } = await setupTenant();
    const pipeline = (await pushPipeline(s, { name: "nightly_marts", team: team.slug, tasks: [toolTask("build")] })).pipeline as { id: string };
    const tenantId = (await api("/me", { as: s })).json.tenant.id as string;
    // Runs at noon (UTC) of days inside the 7-day range whichever side of midnight the request lands.
    const { to } = historyWindow(7, Date.now());
    const noon = (daysBeforeToday: number) => to - (daysBeforeToday + 1) * DAY + DAY / 2;
    const runs = [
      { id: "run_h1", status: "succeeded", queuedAt: noon(1), seconds: 10 },
      { id: "run_h2", status: "succeeded", queuedAt: noon(1) + 60 * SECOND, seconds: 30 },
      { id: "run_h3", status: "succeeded", queuedAt: noon(2), seconds: 20 },
      { id: "run_h4", status: "succeeded", queuedAt: noon(3), seconds: 40 },
      { id: "run_h5", status: "succeeded", queuedAt: noon(4), seconds: 100 },
      { id: "run_h6", status: "failed", queuedAt: noon(4) + 60 * SECOND, seconds: 5 },
      { id: "run_h7", status: "failed", queuedAt: noon(5), seconds: 5 },
      { id: "run_h8", status: "cancelled", queuedAt: noon(5) + 60 * SECOND, seconds: 2 },
      // Not in the history: a pull request's run, and a run before the range.
      { id: "run_h9", status: "failed", queuedAt: noon(2), seconds: 1, environment: "ci" },
      { id: "run_h10", status: "failed", queuedAt: noon(20), seconds: 1 },
    ];
    for (const r of runs) await seedRun(tenantId, pipeline.id, r);

    const h = (await api("/pipelines/nightly_marts/history?days=7", { as: s })).json as History;
    expect(h.summary).toEqual({ runs: 8, succeeded: 5, failed: 2, success_rate: 5 / 7, duration_p50_ms: 30_000, duration_p95_ms: 100_000 });
    const day = (daysBeforeToday: number) => h.daily.find((d) => d.date === new Date(noon(daysBeforeToday)).toISOString().slice(0, 10))!;
    expect(day(1)).toMatchObject({ runs: 2, succeeded: 2, failed: 0, avg_success_ms: 20_000 });
    expect(day(4)).toMatchObject({ runs: 2, succeeded: 1, failed: 1, avg_success_ms: 100_000 });
    expect(day(5)).toMatchObject({ runs: 2, succeeded: 0, failed: 1, avg_success_ms: null });
    expect(h.daily.filter((d) => d.runs === 0).length).toBe(2);
    expect(h.recent.map((r) => r.id)).toEqual(["run_h7", "run_h8", "run_h5", "run_h6", "run_h4", "run_h3", "run_h1", "run_h2"]);
    expect(h.recent.find((r) => r.id === "run_h5")?.duration_ms).toBe(100_000);

    // 90 days reach the older run.
    const long = (await api("/pipelines/nightly_marts/history?days=90", { as: s })).json as History;
    expect(long.summary.runs).toBe(9);
    expect(long.daily).toHaveLength(90);
  });

  it("refuses a range it does not offer with 400 naming `query.days`, and another tenant's pipeline is not found", async () => {
    const { s, team } = await setupTenant();
    await pushPipeline(s, { name: "orders", team: team.slug, tasks: [toolTask("load")] });
    const res = await api("/pipelines/orders/history?days=13", { as: s });
    expectError(res, 400, "validation_failed");
    expect(res.json.error.details.map((d: { path: string }) => d.path)).toEqual(["query.days"]);
    const other = await signup();
    expect((await api("/pipelines/orders/history", { as: other })).status).toBe(404);
  });
});
