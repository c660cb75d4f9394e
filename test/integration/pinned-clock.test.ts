import { env, runInDurableObject } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { tenantRuns } from "../../worker/durable/client";
import { wallNow } from "../../worker/lib/time";
import { api } from "../helpers/api";
import { engineTimers, waitForRun } from "../helpers/engine";
import { pushPipeline, setupTenant, toolTask } from "../helpers/pipelines";

// A pinned run (`npm run test:at -- <instant>`) shifts Date in this isolate; these checks hold pinned or not, and
// fail when one layer keeps the real clock while another moved.
describe("the test clock", () => {
  it("is the Worker's clock, and starts at the pinned instant when a run is pinned", async () => {
    const before = Date.now();
    const health = await api("/health");
    const serverNow = Date.parse(health.json.time);
    expect(serverNow).toBeGreaterThanOrEqual(before - 1000);
    expect(serverNow).toBeLessThanOrEqual(Date.now() + 1000);
    // Unpinned, the offset is 0 and the Worker's clock is the wall clock; pinned, it is the wall clock plus the offset.
    expect(Math.abs(serverNow - wallNow() - Number(env.TUTTI_CLOCK_OFFSET_MS))).toBeLessThan(2000);
    // A pinned run starts at its instant (TUTTI_TEST_NOW is empty when unpinned: any time after 1970 will do).
    expect(serverNow).toBeGreaterThanOrEqual(env.TUTTI_TEST_NOW ? Date.parse(env.TUTTI_TEST_NOW) : 0);
  });

  it("arms the Durable Object's alarm in wall-clock time, whatever the business clock says", async () => {
    const { s, team } = await setupTenant();
    await pushPipeline(s, { name: "timed", team: team.slug, tasks: [toolTask("slow", { polls: 1000 }, { poll_interval: "30s" })] });
    const run = await api("/pipelines/timed/runs", { as: s, body: {} });
    expect(run.status).toBe(201);
    // Once the tool has the job, the engine waits for the next poll on a timer.
    await waitForRun(s, run.json.id, (r) => r.tasks[0].status === "triggered");
    const due = Math.min(...(await engineTimers(s.tenant.id)).map((t) => t.due_at));
    const alarm = await runInDurableObject(tenantRuns(env, s.tenant.id), (_instance, state) => state.storage.getAlarm());
    // The alarm is as far from the wall clock as the earliest timer is from the business clock.
    expect(alarm).not.toBeNull();
    expect(Math.abs(alarm! - wallNow() - (due - Date.now()))).toBeLessThan(5_000);
  });
});
