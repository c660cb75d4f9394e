import { describe, expect, inject, it } from "vitest";
import { api, expectError, type Session } from "../helpers/api";
import { advance, engineState, fireAlarm, isTerminal, taskStatus, waitForRun } from "../helpers/engine";
import { fakeToolRequests, pushPipeline, setupTenant, toolTask } from "../helpers/pipelines";
import { drain } from "../helpers/wait";

const fast = { poll_interval: "1s" };

async function start(s: Session | string, name: string, body: Record<string, unknown> = {}, headers: Record<string, string> = {}) {
  const res = await api(`/pipelines/${name}/runs`, { as: s, body, headers });
  if (res.status !== 201) throw new Error(`start ${name}: ${res.status} ${res.text}`);
  return res.json as { id: string; status: string };
}

describe("run engine, end to end through the Durable Object, Queues, D1 and a fake tool", () => {
  it("a 3-level DAG runs to success in dependency order", async () => {
    const { s, team } = await setupTenant();
    await pushPipeline(s, {
      name: "three_levels",
      team: team.slug,
      tasks: [
        toolTask("extract"),
        toolTask("transform_a", {}, { depends_on: ["extract"] }),
        toolTask("transform_b", {}, { depends_on: ["extract"] }),
        toolTask("publish", {}, { depends_on: ["transform_a", "transform_b"] }),
      ],
    });
    const run = await start(s, "three_levels");
    const done = await waitForRun(s, run.id, isTerminal);
    expect(done.status).toBe("succeeded");
    expect(taskStatus(done)).toEqual({ extract: "succeeded", transform_a: "succeeded", transform_b: "succeeded", publish: "succeeded" });
    const byKey = Object.fromEntries(done.tasks.map((t) => [t.key, t as unknown as { started_at: string; finished_at: string; external_id: string }]));
    expect(Date.parse(byKey.publish.started_at)).toBeGreaterThanOrEqual(Date.parse(byKey.transform_a.finished_at));
    expect(byKey.extract.external_id).toMatch(/^job_/);
    const events = await api(`/runs/${run.id}/events`, { as: s });
    expect(events.json.items.map((e: { to: string; task: string | null }) => `${e.task ?? "run"}:${e.to}`)).toContain("publish:succeeded");
  });

  it("a polled task follows the tool until it reports success", async () => {
    const { s, team } = await setupTenant();
    await pushPipeline(s, { name: "polled", team: team.slug, tasks: [toolTask("sync", { polls: 3 }, fast)] });
    const run = await start(s, "polled");
    await waitForRun(s, run.id, (r) => r.tasks[0].status === "triggered");
    // Each second of engine time is one poll; the fake reports running twice, then success.
    const statuses: string[] = [];
    for (let poll = 1; poll <= 3; poll++) {
      await advance(s.tenant.id, 1000);
      await drain();
      statuses.push((await waitForRun(s, run.id, () => true)).tasks[0].status);
    }
    expect(statuses).toEqual(["running", "running", "succeeded"]);
    expect((await waitForRun(s, run.id, () => true)).status).toBe("succeeded");
  });

  it("a failing task with retries succeeds on attempt 3 with exponential backoff", async () => {
    const { s, team } = await setupTenant();
    await pushPipeline(s, {
      name: "flaky",
      team: team.slug,
      tasks: [{ ...toolTask("load", { fail_times: 2, key: "flaky-{{run_id}}" }), retries: { max: 3, backoff: "exponential", delay: "10s", jitter: false } }],
    });
    const run = await start(s, "flaky");
    await waitForRun(s, run.id, (r) => r.tasks[0].status === "up_for_retry");
    let state = await engineState(s.tenant.id, run.id);
    expect(state?.tasks.load.attempt).toBe(1);
    // Nothing is due before the 10 s backoff. Half of it is moved first: the moved clock is the real one plus the
    // offset, and a loaded machine spends seconds between the failure and here.
    await advance(s.tenant.id, 5_000);
    expect((await engineState(s.tenant.id, run.id))?.tasks.load.status).toBe("up_for_retry");
    await advance(s.tenant.id, 5_000);
    await waitForRun(s, run.id, (r) => r.tasks[0].attempt === 2 && r.tasks[0].status === "up_for_retry");
    // Second retry waits twice as long.
    await advance(s.tenant.id, 10_000);
    expect((await engineState(s.tenant.id, run.id))?.tasks.load.attempt).toBe(2);
    await advance(s.tenant.id, 10_000);
    const done = await waitForRun(s, run.id, isTerminal);
    expect(done.status).toBe("succeeded");
    expect(done.tasks[0].attempt).toBe(3);
    const attempts = (done.tasks[0] as unknown as { attempts: Array<{ attempt: number; status: string }> }).attempts;
    expect(attempts.map((a) => `${a.attempt}:${a.status}`)).toEqual(["1:failed", "2:failed", "3:succeeded"]);
    state = await engineState(s.tenant.id, run.id);
    expect(state?.status).toBe("succeeded");
  });

  it("a task timeout fails the task and cancels it at the tool", async () => {
    const { s, team } = await setupTenant();
    await pushPipeline(s, { name: "slow", team: team.slug, tasks: [toolTask("wait", { polls: 1000 }, { ...fast, timeout: "30s" })] });
    const run = await start(s, "slow");
    await waitForRun(s, run.id, (r) => r.tasks[0].status === "triggered");
    await advance(s.tenant.id, 31_000);
    const done = await waitForRun(s, run.id, isTerminal);
    expect(done.status).toBe("failed");
    expect(done.tasks[0]).toMatchObject({ status: "timed_out", error: { kind: "timeout" } });
  });

  it("cancel mid-run stops active tasks and skips the rest", async () => {
    const { s, team } = await setupTenant();
    await pushPipeline(s, {
      name: "cancel_me",
      team: team.slug,
      tasks: [toolTask("long", { polls: 1000 }, fast), toolTask("later", {}, { depends_on: ["long"] })],
    });
    const run = await start(s, "cancel_me");
    await waitForRun(s, run.id, (r) => r.tasks[0].status === "triggered");
    const res = await api(`/runs/${run.id}/cancel`, { as: s, method: "POST" });
    expect(res.status).toBe(200);
    expect(res.json.status).toBe("cancelled");
    expect(taskStatus(res.json)).toEqual({ long: "cancelled", later: "cancelled" });
    expectError(await api(`/runs/${run.id}/cancel`, { as: s, method: "POST" }), 409, "conflict");
    // The cancel reaches the tool through the dispatch queue, once.
    const jobId = res.json.tasks.find((t: { key: string }) => t.key === "long").external_id;
    await drain();
    const job = await fetch(`${inject("fakeHttpToolUrl")}/jobs/${jobId}`, { headers: { authorization: "Bearer fake-tool-token" } });
    expect(((await job.json()) as { status: string }).status).toBe("cancelled");
    expect((await fakeToolRequests()).filter((r) => r.path === `/jobs/${jobId}/cancel`)).toHaveLength(1);
  });

  it("retry from failure re-runs only the failed task and its downstream", async () => {
    const { s, team } = await setupTenant();
    await pushPipeline(s, {
      name: "partial",
      team: team.slug,
      tasks: [toolTask("ok"), toolTask("bad", { outcome: "failed", message: "table locked" }, fast), toolTask("downstream", {}, { depends_on: ["ok", "bad"] })],
    });
    const run = await start(s, "partial");
    await waitForRun(s, run.id, (r) => r.tasks.find((t) => t.key === "bad")!.status === "triggered");
    await advance(s.tenant.id, 1000);
    const failed = await waitForRun(s, run.id, isTerminal);
    expect(failed.status).toBe("failed");
    expect(taskStatus(failed)).toEqual({ ok: "succeeded", bad: "failed", downstream: "skipped" });
    expect(failed.tasks.find((t) => t.key === "bad")!.error).toMatchObject({ message: "table locked" });

    const retried = await api(`/runs/${run.id}/retry`, { as: s, method: "POST" });
    expect(retried.status).toBe(200);
    expect(retried.json.attempt).toBe(2);
    const after = await waitForRun(s, run.id, (r) => r.tasks.find((t) => t.key === "bad")!.attempt === 2);
    expect(after.tasks.find((t) => t.key === "ok")!.attempt).toBe(1);
    expectError(await api(`/runs/${run.id}/retry`, { as: s, method: "POST" }), 409, "conflict");
  });

  it("the same Idempotency-Key creates one run", async () => {
    const { s, team } = await setupTenant();
    await pushPipeline(s, { name: "idem", team: team.slug, tasks: [toolTask("a")] });
    const first = await api("/pipelines/idem/runs", { as: s, body: {}, headers: { "idempotency-key": "ci-build-42" } });
    const second = await api("/pipelines/idem/runs", { as: s, body: {}, headers: { "idempotency-key": "ci-build-42" } });
    expect(first.status).toBe(201);
    expect(second.status).toBe(201);
    expect(second.json.id).toBe(first.json.id);
    expect(second.headers.get("idempotent-replayed")).toBe("true");
    const list = await api("/runs?pipeline=idem", { as: s });
    expect(list.json.items).toHaveLength(1);
  });

  it("an alarm delivered twice changes nothing", async () => {
    const { s, team } = await setupTenant();
    await pushPipeline(s, {
      name: "double_alarm",
      team: team.slug,
      tasks: [{ ...toolTask("load", { fail_times: 1, key: "double-{{run_id}}" }), retries: { max: 2, backoff: "fixed", delay: "5s", jitter: false } }],
    });
    const run = await start(s, "double_alarm");
    const triggers = async () => (await fakeToolRequests()).filter((r) => r.method === "POST" && r.path === "/jobs" && r.body.includes(run.id));
    await waitForRun(s, run.id, (r) => r.tasks[0].status === "up_for_retry");
    expect(await triggers()).toHaveLength(1);
    await advance(s.tenant.id, 5_000);
    await fireAlarm(s.tenant.id);
    await fireAlarm(s.tenant.id);
    await drain();
    // The retry's alarm ran three times; the tool was called for attempt 2 exactly once.
    expect(await triggers()).toHaveLength(2);
    const done = await waitForRun(s, run.id, isTerminal);
    expect(done.status).toBe("succeeded");
    expect(done.tasks[0].attempt).toBe(2);
  });

  it("runs of another tenant are not found", async () => {
    const a = await setupTenant();
    const b = await setupTenant();
    await pushPipeline(a.s, { name: "private", team: a.team.slug, tasks: [toolTask("a")] });
    const run = await start(a.s, "private");
    expectError(await api(`/runs/${run.id}`, { as: b.s }), 404, "not_found");
    expectError(await api(`/runs/${run.id}/cancel`, { as: b.s, method: "POST" }), 404, "not_found");
    expectError(await api(`/pipelines/private/runs`, { as: b.s, body: {} }), 404, "not_found");
    expect((await api(`/runs`, { as: b.s })).json.items).toEqual([]);
  });
});
