import { createExecutionContext, createMessageBatch, env, getQueueResult } from "cloudflare:test";
import { workerFetch } from "../helpers/worker-fetch";
import { describe, expect, it } from "vitest";
import worker from "../../worker/index";
import { api, expectError } from "../helpers/api";
import { tenantD1 } from "../helpers/tenant-db";
import { isTerminal, waitForRun } from "../helpers/engine";
import { fakeToolRequests, pushPipeline, setupTenant, toolTask } from "../helpers/pipelines";
import { drain, eventually } from "../helpers/wait";

const callbackTask = (id: string) => ({
  id,
  connector: "http",
  connection: "tool",
  with: {
    url: "/jobs",
    body: { key: "{{run_id}}", polls: 1000, callback_url: "{{callback_url}}" },
    external_id_path: "$.id",
    completion: { mode: "callback" },
  },
});

async function callbackUrlOf(runId: string): Promise<string> {
  return eventually(async () => {
    const created = (await fakeToolRequests()).find((r) => r.path === "/jobs" && r.body.includes(runId));
    expect(created, "the tool received the job").toBeDefined();
    return JSON.parse(created!.body).callback_url as string;
  });
}

describe("completion by callback", () => {
  it("the tool's callback completes the task; a replayed callback changes nothing; a forged URL is refused", async () => {
    const { s, team } = await setupTenant();
    await pushPipeline(s, { name: "called_back", team: team.slug, tasks: [callbackTask("export"), { ...callbackTask("after"), depends_on: ["export"] }] });
    const run = (await api("/pipelines/called_back/runs", { as: s, body: {} })).json;
    const url = new URL(await callbackUrlOf(run.id));
    expect(url.pathname).toMatch(/^\/webhooks\/callback\//);
    const forged = await workerFetch(`https://tutti.test${url.pathname.replace(/.$/, (c) => (c === "a" ? "b" : "a"))}`, {
      method: "POST",
      body: JSON.stringify({ status: "succeeded" }),
    });
    expect(forged.status).toBe(401);
    const body = JSON.stringify({ status: "succeeded", external_url: "https://tool.example.com/jobs/1" });
    const first = await workerFetch(`https://tutti.test${url.pathname}`, { method: "POST", body });
    const again = await workerFetch(`https://tutti.test${url.pathname}`, { method: "POST", body });
    expect([first.status, again.status]).toEqual([202, 202]);
    const afterFirst = await waitForRun(s, run.id, (r) => r.tasks.find((t) => t.key === "export")!.status === "succeeded");
    expect(afterFirst.tasks.find((t) => t.key === "export")!.external_url).toBe("https://tool.example.com/jobs/1");
    await drain();
    const events = (await api(`/runs/${run.id}/events`, { as: s })).json.items.filter(
      (e: { task: string; to: string }) => e.task === "export" && e.to === "succeeded",
    );
    expect(events).toHaveLength(1);
  });

  it("a callback reporting failure fails the task with the tool's message", async () => {
    const { s, team } = await setupTenant();
    await pushPipeline(s, { name: "called_back_fail", team: team.slug, tasks: [callbackTask("export")] });
    const run = (await api("/pipelines/called_back_fail/runs", { as: s, body: {} })).json;
    const url = new URL(await callbackUrlOf(run.id));
    const bad = await workerFetch(`https://tutti.test${url.pathname}`, { method: "POST", body: JSON.stringify({ status: "exploded" }) });
    expectError({ status: bad.status, json: await bad.json() }, 400, "validation_failed");
    await workerFetch(`https://tutti.test${url.pathname}`, { method: "POST", body: JSON.stringify({ status: "failed", message: "disk full" }) });
    const done = await waitForRun(s, run.id, isTerminal);
    expect(done.tasks[0]).toMatchObject({ status: "failed", error: { message: "disk full" } });
  });
});

describe("dead-lettered dispatch", () => {
  it("fails the task attempt and is recorded for the dashboard", async () => {
    const { s, team } = await setupTenant();
    await pushPipeline(s, { name: "dead", team: team.slug, tasks: [callbackTask("stuck")] });
    const run = (await api("/pipelines/dead/runs", { as: s, body: {} })).json;
    await waitForRun(s, run.id, (r) => r.tasks[0].status === "triggered");
    const body = { tenantId: s.tenant.id, runId: run.id, taskKey: "stuck", attempt: 1, op: "poll" as const, seq: 0 };
    // The poll of attempt 1 could not be delivered: the task is still triggered, so the dead letter fails it.
    const batch = createMessageBatch("tutti-dispatch-dlq", [{ id: `dlq-${run.id}`, timestamp: new Date(), attempts: 6, body }]);
    const ctx = createExecutionContext();
    await (worker.queue as (b: MessageBatch<unknown>, e: typeof env, c: ExecutionContext) => Promise<void>)(batch as MessageBatch<unknown>, env, ctx);
    const result = await getQueueResult(batch, ctx);
    expect(result.explicitAcks).toEqual([`dlq-${run.id}`]);
    const done = await waitForRun(s, run.id, isTerminal);
    expect(done.tasks[0]).toMatchObject({ status: "failed", error: { kind: "network" } });
    const row = await (await tenantD1(s.tenant.id))
      .prepare("SELECT queue, attempts FROM dead_letters WHERE tenant_id = ? AND message_id = ?")
      .bind(s.tenant.id, `dlq-${run.id}`)
      .first();
    expect(row).toEqual({ queue: "dispatch", attempts: 6 });
  });
});

describe("write-through of a wide run", () => {
  it("a transition that queues 198 tasks at once reaches D1 whole: its events stay within D1's bound-parameter limit", async () => {
    const { s, team } = await setupTenant();
    const keys = Array.from({ length: 198 }, (_, i) => `t${i}`);
    const tasks = [toolTask("root"), ...keys.map((k) => toolTask(k, {}, { depends_on: ["root"] })), toolTask("sink", {}, { depends_on: keys })];
    await pushPipeline(s, { name: "wide200", team: team.slug, tasks });
    const run = (await api("/pipelines/wide200/runs", { as: s, body: {} })).json;
    await waitForRun(s, run.id, isTerminal, 60_000);
    // drain() requires the object's outbox to be empty: every snapshot was written through to D1.
    await drain({ timeoutMs: 30_000 });
    const done = await waitForRun(s, run.id, () => true);
    expect(done.status).toBe("succeeded");
    expect(done.tasks.filter((t) => t.status === "succeeded")).toHaveLength(200);
  }, 120_000);
});
