import { env } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { api, type Session } from "../helpers/api";
import { advance, engineTimers, fireAlarm, isTerminal, setEngineTime, taskStatus, waitForRun } from "../helpers/engine";
import { fakeToolRequests, pushPipeline, setupTenant, toolTask } from "../helpers/pipelines";
import { drain } from "../helpers/wait";

const fast = { poll_interval: "1s" };
type Run = {
  id: string;
  pipeline: { id: string; name: string };
  version: number;
  status: string;
  trigger: { kind: string; ref: string | null };
  logical_at: string | null;
};

async function start(s: Session, name: string) {
  const res = await api(`/pipelines/${name}/runs`, { as: s, body: {} });
  if (res.status !== 201) throw new Error(`start ${name}: ${res.status} ${res.text}`);
  return res.json as Run & { tasks: Array<{ key: string; status: string }> };
}

async function runsOf(s: Session, query: string): Promise<Run[]> {
  return (await api(`/runs?${query}&limit=200`, { as: s })).json.items;
}

describe("concurrency policies", () => {
  it("queue: a second run waits and starts when the first ends", async () => {
    const { s, team } = await setupTenant();
    await pushPipeline(s, {
      name: "queued",
      team: team.slug,
      concurrency: { max_runs: 1, on_conflict: "queue" },
      tasks: [toolTask("long", { polls: 1000 }, fast)],
    });
    const first = await start(s, "queued");
    const second = await start(s, "queued");
    expect(first.status).toBe("running");
    expect(second.status).toBe("queued");
    await api(`/runs/${first.id}/cancel`, { as: s, method: "POST" });
    await waitForRun(s, second.id, (r) => r.status === "running");
  });

  it("skip: a second run is recorded as skipped", async () => {
    const { s, team } = await setupTenant();
    await pushPipeline(s, {
      name: "skipper",
      team: team.slug,
      concurrency: { max_runs: 1, on_conflict: "skip" },
      tasks: [toolTask("long", { polls: 1000 }, fast)],
    });
    const first = await start(s, "skipper");
    const second = await start(s, "skipper");
    expect(first.status).toBe("running");
    expect(second.status).toBe("skipped");
    expect(taskStatus(second as never)).toEqual({ long: "skipped" });
  });

  it("cancel_previous: a new run cancels the active one", async () => {
    const { s, team } = await setupTenant();
    await pushPipeline(s, {
      name: "latest_wins",
      team: team.slug,
      concurrency: { max_runs: 1, on_conflict: "cancel_previous" },
      tasks: [toolTask("long", { polls: 1000 }, fast)],
    });
    const first = await start(s, "latest_wins");
    const second = await start(s, "latest_wins");
    expect(second.status).toBe("running");
    const old = await waitForRun(s, first.id, isTerminal);
    expect(old.status).toBe("cancelled");
  });

  it("environments do not compete: an active CI run never skips a production run", async () => {
    const { s, team } = await setupTenant();
    expect((await api(`/teams/${team.id}/environments/ci`, { as: s, method: "PUT", body: { bindings: {} } })).status).toBeLessThan(300);
    await pushPipeline(s, {
      name: "shared_slot",
      team: team.slug,
      concurrency: { max_runs: 1, on_conflict: "skip" },
      tasks: [toolTask("long", { polls: 1000 }, fast)],
    });
    const ci = await api("/pipelines/shared_slot/runs", { as: s, body: { environment: "ci" } });
    expect(ci.json.status).toBe("running");
    const prod = await start(s, "shared_slot");
    expect(prod.status).toBe("running");
    const secondCi = await api("/pipelines/shared_slot/runs", { as: s, body: { environment: "ci" } });
    expect(secondCi.json.status).toBe("skipped");
  });

  it("max_runs 2 lets two run side by side and queues the third", async () => {
    const { s, team } = await setupTenant();
    await pushPipeline(s, {
      name: "two_wide",
      team: team.slug,
      concurrency: { max_runs: 2, on_conflict: "queue" },
      tasks: [toolTask("long", { polls: 1000 }, fast)],
    });
    const statuses = [(await start(s, "two_wide")).status, (await start(s, "two_wide")).status, (await start(s, "two_wide")).status];
    expect(statuses).toEqual(["running", "running", "queued"]);
  });
});

describe("run_if", () => {
  it("all_done and any_failed tasks run after a failure; all_success ones are skipped", async () => {
    const { s, team } = await setupTenant();
    await pushPipeline(s, {
      name: "handlers",
      team: team.slug,
      tasks: [
        toolTask("load", { outcome: "failed", message: "source down" }, fast),
        toolTask("report", {}, { depends_on: ["load"] }),
        toolTask("cleanup", {}, { depends_on: ["load"], run_if: "all_done" }),
        toolTask("page_someone", {}, { depends_on: ["load"], run_if: "any_failed" }),
      ],
    });
    const run = await start(s, "handlers");
    await waitForRun(s, run.id, (r) => r.tasks.find((t) => t.key === "load")!.status === "triggered");
    await advance(s.tenant.id, 1000);
    const done = await waitForRun(s, run.id, isTerminal);
    expect(done.status).toBe("failed");
    expect(taskStatus(done)).toEqual({ load: "failed", report: "skipped", cleanup: "succeeded", page_someone: "succeeded" });
  });
});

describe("upstream triggers", () => {
  it("a pipeline with `after:` runs when its upstream succeeds, with the upstream run as reference", async () => {
    const { s, team } = await setupTenant();
    await pushPipeline(s, { name: "ingest", team: team.slug, tasks: [toolTask("sync")] });
    await pushPipeline(s, { name: "marts", team: team.slug, triggers: [{ after: "ingest", on: "success" }], tasks: [toolTask("build")] });
    await pushPipeline(s, { name: "on_any_end", team: team.slug, triggers: [{ after: "ingest", on: "finish" }], tasks: [toolTask("note")] });
    const up = await start(s, "ingest");
    await waitForRun(s, up.id, isTerminal);
    await drain();
    const marts = await runsOf(s, "pipeline=marts");
    expect(marts).toEqual([expect.objectContaining({ status: "succeeded", trigger: expect.objectContaining({ kind: "upstream", ref: up.id }) })]);
    expect(await runsOf(s, "pipeline=on_any_end")).toEqual([expect.objectContaining({ trigger: expect.objectContaining({ kind: "upstream", ref: up.id }) })]);
  });

  it("on: success does not fire after a failure, on: finish does", async () => {
    const { s, team } = await setupTenant();
    await pushPipeline(s, { name: "breaks", team: team.slug, tasks: [toolTask("x", { outcome: "failed" }, fast)] });
    await pushPipeline(s, { name: "needs_success", team: team.slug, triggers: [{ after: "breaks", on: "success" }], tasks: [toolTask("y")] });
    await pushPipeline(s, { name: "always", team: team.slug, triggers: [{ after: "breaks", on: "finish" }], tasks: [toolTask("z")] });
    const up = await start(s, "breaks");
    await waitForRun(s, up.id, (r) => r.tasks[0].status === "triggered");
    await advance(s.tenant.id, 1000);
    expect((await waitForRun(s, up.id, isTerminal)).status).toBe("failed");
    await drain();
    expect(await runsOf(s, "pipeline=always")).toHaveLength(1);
    expect(await runsOf(s, "pipeline=needs_success")).toEqual([]);
  });
});

describe("backfill", () => {
  it("10 daily slots run with at most 3 at a time and all succeed", async () => {
    const { s, team } = await setupTenant();
    await pushPipeline(s, { name: "daily", team: team.slug, schedule: { cron: "0 2 * * *", timezone: "UTC" }, tasks: [toolTask("load", { polls: 2 }, fast)] });
    const res = await api("/pipelines/daily/backfills", { as: s, body: { from: "2026-01-01T00:00:00Z", to: "2026-01-10T23:59:59Z", parallelism: 3 } });
    expect(res.status).toBe(201);
    expect(res.json.slots).toHaveLength(10);
    expect(res.json.slots[0]).toBe("2026-01-01T02:00:00.000Z");
    const backfillId = res.json.id;
    // Each step lets every due poll go out and be answered, then looks: the peak is exact, not sampled.
    let maxRunning = 0;
    for (let step = 0; step < 40; step++) {
      await drain();
      const runs = await runsOf(s, `backfill_id=${backfillId}`);
      maxRunning = Math.max(maxRunning, runs.filter((r) => r.status === "running").length);
      if (runs.length === 10 && runs.every((r) => r.status === "succeeded")) break;
      await advance(s.tenant.id, 1000);
    }
    const runs = await runsOf(s, `backfill_id=${backfillId}`);
    expect(runs.map((r) => r.status)).toEqual(Array(10).fill("succeeded"));
    expect(maxRunning).toBe(3);
    expect(new Set(runs.map((r) => r.logical_at)).size).toBe(10);
    expect(runs.every((r) => r.trigger.kind === "backfill")).toBe(true);
  });
});

describe("cron schedules in the Durable Object", () => {
  it("a due slot starts one run; a repeated or late alarm never starts it twice", async () => {
    const { s, team } = await setupTenant();
    await setEngineTime(s.tenant.id, Date.parse("2026-06-01T09:58:00Z"));
    await pushPipeline(s, { name: "every_5", team: team.slug, schedule: { cron: "*/5 * * * *", timezone: "UTC" }, tasks: [toolTask("tick")] });
    const cron = (await engineTimers(s.tenant.id)).find((t) => t.key.startsWith("cron:"))!;
    expect(new Date(cron.due_at).toISOString()).toBe("2026-06-01T10:00:00.000Z");
    await advance(s.tenant.id, 2 * 60_000 + 1000);
    await fireAlarm(s.tenant.id);
    await fireAlarm(s.tenant.id);
    await drain();
    const runs = await runsOf(s, "pipeline=every_5");
    expect(runs).toHaveLength(1);
    expect(runs[0]).toMatchObject({ trigger: { kind: "cron" }, logical_at: "2026-06-01T10:00:00.000Z" });
    const next = (await engineTimers(s.tenant.id)).find((t) => t.key.startsWith("cron:"))!;
    expect(new Date(next.due_at).toISOString()).toBe("2026-06-01T10:05:00.000Z");
  });

  it("pipelines due in the same minute each start exactly one run from one alarm, a paused one none", async () => {
    const { s, team } = await setupTenant();
    await setEngineTime(s.tenant.id, Date.parse("2026-06-01T09:59:30Z"));
    const names = ["hourly_a", "hourly_b", "hourly_c", "hourly_d"];
    for (const name of names) await pushPipeline(s, { name, team: team.slug, schedule: { cron: "0 * * * *", timezone: "UTC" }, tasks: [toolTask("tick")] });
    expect((await api("/pipelines/hourly_d/pause", { as: s, body: {} })).status).toBe(200);
    await advance(s.tenant.id, 31_000);
    await fireAlarm(s.tenant.id);
    await fireAlarm(s.tenant.id);
    await drain();
    const runs = await runsOf(s, "trigger=cron");
    expect(runs.map((r) => r.pipeline.name).sort()).toEqual(["hourly_a", "hourly_b", "hourly_c"]);
    expect(runs.every((r) => r.logical_at === "2026-06-01T10:00:00.000Z")).toBe(true);
    const timers = (await engineTimers(s.tenant.id)).filter((t) => t.key.startsWith("cron:"));
    expect(timers.map((t) => new Date(t.due_at).toISOString())).toEqual(Array(3).fill("2026-06-01T11:00:00.000Z"));

    // A push between slots is what the next slot runs.
    await pushPipeline(s, { name: "hourly_a", team: team.slug, schedule: { cron: "0 * * * *", timezone: "UTC" }, tasks: [toolTask("tick"), toolTask("tock")] });
    await advance(s.tenant.id, 3_600_000);
    await fireAlarm(s.tenant.id);
    await drain();
    const next = await runsOf(s, "pipeline=hourly_a");
    expect(next.map((r) => [r.logical_at, r.version])).toEqual([
      ["2026-06-01T11:00:00.000Z", 2],
      ["2026-06-01T10:00:00.000Z", 1],
    ]);
  });

  it("a daily 06:00 Europe/London schedule fires at 06:00 UTC before and 05:00 UTC after the spring change", async () => {
    const { s, team } = await setupTenant();
    await setEngineTime(s.tenant.id, Date.parse("2027-03-26T12:00:00Z"));
    await pushPipeline(s, { name: "london", team: team.slug, schedule: { cron: "0 6 * * *", timezone: "Europe/London" }, tasks: [toolTask("t")] });
    const seen: string[] = [];
    for (let i = 0; i < 3; i++) {
      const cron = (await engineTimers(s.tenant.id)).find((t) => t.key.startsWith("cron:"))!;
      seen.push(new Date(cron.due_at).toISOString());
      await setEngineTime(s.tenant.id, cron.due_at + 1000);
      await fireAlarm(s.tenant.id);
    }
    // British Summer Time starts on 2027-03-28 at 01:00 UTC.
    expect(seen).toEqual(["2027-03-27T06:00:00.000Z", "2027-03-28T05:00:00.000Z", "2027-03-29T05:00:00.000Z"]);
  });

  it("pausing clears the schedule and resuming re-arms it", async () => {
    const { s, team } = await setupTenant();
    await pushPipeline(s, { name: "pausable", team: team.slug, schedule: { cron: "0 * * * *", timezone: "UTC" }, tasks: [toolTask("t")] });
    expect((await engineTimers(s.tenant.id)).some((t) => t.key.startsWith("cron:"))).toBe(true);
    expect((await api("/pipelines/pausable/pause", { as: s, method: "POST" })).status).toBe(200);
    expect((await engineTimers(s.tenant.id)).some((t) => t.key.startsWith("cron:"))).toBe(false);
    expect((await api("/pipelines/pausable/resume", { as: s, method: "POST" })).status).toBe(200);
    expect((await engineTimers(s.tenant.id)).some((t) => t.key.startsWith("cron:"))).toBe(true);
  });
});

describe("at-least-once delivery", () => {
  it("a dispatch message delivered twice triggers the tool once", async () => {
    const { s, team } = await setupTenant();
    await pushPipeline(s, { name: "dupe", team: team.slug, tasks: [toolTask("long", { polls: 1000 }, fast)] });
    const run = await start(s, "dupe");
    await waitForRun(s, run.id, (r) => r.tasks[0].status === "triggered");
    const message = { tenantId: s.tenant.id, runId: run.id, taskKey: "long", attempt: 1, op: "trigger" as const, seq: 0 };
    await env.DISPATCH.send(message);
    await env.DISPATCH.send(message);
    await drain();
    const creations = (await fakeToolRequests()).filter((r) => r.method === "POST" && r.path === "/jobs" && r.body.includes(run.id));
    expect(creations).toHaveLength(1);
    expect((await waitForRun(s, run.id, () => true)).tasks[0].attempt).toBe(1);
  });
});
