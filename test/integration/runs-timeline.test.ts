import { tenantD1 } from "../helpers/tenant-db";
import { describe, expect, it } from "vitest";
import { api, expectError, signup } from "../helpers/api";
import { isTerminal, waitForRun } from "../helpers/engine";
import { pushPipeline, setupTenant, toolTask } from "../helpers/pipelines";

const HOUR = 3_600_000;

interface Timeline {
  window: string;
  from: string;
  to: string;
  items: Array<{ id: string; status: string; pipeline: { name: string }; started_at: string | null; finished_at: string | null }>;
  truncated: boolean;
}

/** A run row as the engine writes it through to D1, `hours` before now (started a second after it was queued). */
async function seedRun(
  tenantId: string,
  r: { id: string; pipelineId: string; status: string; queuedHoursAgo: number; finishedHoursAgo: number | null; environment?: string },
  now: number,
) {
  const queued = now - r.queuedHoursAgo * HOUR;
  await (await tenantD1(tenantId))
    .prepare(
      "INSERT INTO runs (tenant_id, id, pipeline_id, pipeline_name, team_id, version_id, version, status, attempt, trigger_kind, params, environment, queued_at, started_at, finished_at, seq) VALUES (?, ?, ?, ?, 'tm', 'pv', 1, ?, 1, 'manual', '{}', ?, ?, ?, ?, 1)",
    )
    .bind(
      tenantId,
      r.id,
      r.pipelineId,
      r.pipelineId,
      r.status,
      r.environment ?? "prod",
      queued,
      queued + 1000,
      r.finishedHoursAgo === null ? null : now - r.finishedHoursAgo * HOUR,
    )
    .run();
}

const ids = (t: Timeline) => t.items.map((r) => r.id).sort();

describe("the runs timeline", () => {
  it("gives every pipeline's runs that were queued or going in the window, running ones however old, and stops at `to` = now", async () => {
    const { s, team } = await setupTenant();
    await pushPipeline(s, { name: "orders", team: team.slug, tasks: [toolTask("load")] });
    const run = (await api("/pipelines/orders/runs", { as: s, body: {} })).json.id as string;
    expect((await waitForRun(s, run, isTerminal)).status).toBe("succeeded");
    const tenantId = (await api("/me", { as: s })).json.tenant.id as string;
    const now = Date.now();
    const seeded = [
      { id: "run_t_done", pipelineId: "p_marts", status: "failed", queuedHoursAgo: 2, finishedHoursAgo: 1 },
      { id: "run_t_ci", pipelineId: "p_marts", status: "succeeded", queuedHoursAgo: 3, finishedHoursAgo: 2.5, environment: "ci" },
      // Began before the window, ended inside it: drawn from the left edge.
      { id: "run_t_overlap", pipelineId: "p_sync", status: "succeeded", queuedHoursAgo: 26, finishedHoursAgo: 23 },
      // Still going: one queued a day and a half ago, and one from long before any window's look-back.
      { id: "run_t_running", pipelineId: "p_sync", status: "running", queuedHoursAgo: 30, finishedHoursAgo: null },
      { id: "run_t_stuck", pipelineId: "p_sync", status: "queued", queuedHoursAgo: 400, finishedHoursAgo: null },
      // Over before the 24 hours began.
      { id: "run_t_before", pipelineId: "p_sync", status: "succeeded", queuedHoursAgo: 30, finishedHoursAgo: 26 },
    ];
    for (const r of seeded) await seedRun(tenantId, r, now);
    // Another workspace's run in the same hours.
    const other = await signup();
    const otherTenant = (await api("/me", { as: other })).json.tenant.id as string;
    await seedRun(otherTenant, { id: "run_t_other", pipelineId: "p_other", status: "failed", queuedHoursAgo: 1, finishedHoursAgo: 0.5 }, now);

    const res = await api("/runs/timeline", { as: s });
    expect(res.status).toBe(200);
    const day = res.json as Timeline;
    expect(day.window).toBe("24h");
    expect(Date.parse(day.to) - Date.parse(day.from)).toBe(24 * HOUR);
    expect(Date.parse(day.to)).toBeGreaterThanOrEqual(now);
    expect(ids(day)).toEqual([run, "run_t_ci", "run_t_done", "run_t_overlap", "run_t_running", "run_t_stuck"].sort());
    expect(day.items[0].id).toBe(run);
    expect(day.truncated).toBe(false);

    const six = (await api("/runs/timeline?window=6h", { as: s })).json as Timeline;
    expect(ids(six)).toEqual([run, "run_t_ci", "run_t_done", "run_t_running", "run_t_stuck"].sort());
    const week = (await api("/runs/timeline?window=7d", { as: s })).json as Timeline;
    expect(ids(week)).toEqual([run, "run_t_before", "run_t_ci", "run_t_done", "run_t_overlap", "run_t_running", "run_t_stuck"].sort());
    expect(ids((await api("/runs/timeline?window=7d", { as: other })).json as Timeline)).toEqual(["run_t_other"]);
  });

  it("takes the runs list's filters and caps the count at `limit`, newest first, saying it did", async () => {
    const { s, team } = await setupTenant();
    const orders = (await pushPipeline(s, { name: "orders", team: team.slug, tasks: [toolTask("load")] })).pipeline as { id: string };
    const tenantId = (await api("/me", { as: s })).json.tenant.id as string;
    const now = Date.now();
    await seedRun(tenantId, { id: "run_f1", pipelineId: orders.id, status: "succeeded", queuedHoursAgo: 5, finishedHoursAgo: 4 }, now);
    await seedRun(tenantId, { id: "run_f2", pipelineId: orders.id, status: "failed", queuedHoursAgo: 3, finishedHoursAgo: 2 }, now);
    await seedRun(tenantId, { id: "run_f3", pipelineId: "p_else", status: "running", queuedHoursAgo: 1, finishedHoursAgo: null }, now);

    expect(ids((await api("/runs/timeline?pipeline=orders", { as: s })).json)).toEqual(["run_f1", "run_f2"]);
    expect(ids((await api("/runs/timeline?status=failed,running", { as: s })).json)).toEqual(["run_f2", "run_f3"]);
    expect((await api("/runs/timeline?pipeline=nope", { as: s })).json.items).toEqual([]);
    const capped = (await api("/runs/timeline?limit=2", { as: s })).json as Timeline;
    expect(capped.items.map((r) => r.id)).toEqual(["run_f3", "run_f2"]);
    expect(capped.truncated).toBe(true);
  });

  it("refuses a window it does not offer with 400 naming `query.window`", async () => {
    const s = await signup();
    for (const bad of ["12h", "", "24"]) {
      const res = await api(`/runs/timeline?window=${bad}`, { as: s });
      expectError(res, 400, "validation_failed");
      expect(res.json.error.details.map((d: { path: string }) => d.path)).toEqual(["query.window"]);
    }
    expect((await api("/runs/timeline", {})).status).toBe(401);
  });
});
