import { env } from "cloudflare:test";
import { describe, expect, it, vi } from "vitest";
import { HYBRID_MAX_IN_FLIGHT, SLOW_CALL_MS } from "../../worker/durable/runs/inline-dispatch";
import { WRITE_THROUGH_HOLD_MS } from "../../worker/durable/runs/outbox";
import type { DispatchMessage } from "../../worker/queues/messages";
import { api } from "../helpers/api";
import { tenantD1 } from "../helpers/tenant-db";
import { advance, isTerminal, waitForRun } from "../helpers/engine";
import { fakeToolRequests, pushPipeline, setupTenant, toolTask } from "../helpers/pipelines";
import { deliveredMessages } from "../helpers/queue-tracking";
import { drain, eventually } from "../helpers/wait";

/**
 * The default dispatch mode (`hybrid`, worker/durable/runs/inline-dispatch.ts): the tenant's Durable Object calls
 * the tools itself, and the dispatch queue takes what would hold it up. This file runs with DISPATCH_MODE unset.
 */

const dispatchesOf = (runId: string) => deliveredMessages<DispatchMessage>("tutti-dispatch", (m) => m.runId === runId);
const jobsCreatedFor = async (runId: string) => (await fakeToolRequests()).filter((r) => r.method === "POST" && r.path === "/jobs" && r.body.includes(runId));

async function startRun(s: Awaited<ReturnType<typeof setupTenant>>["s"], pipeline: string): Promise<{ id: string }> {
  const res = await api(`/pipelines/${pipeline}/runs`, { as: s, body: {} });
  if (res.status !== 201) throw new Error(`start ${pipeline}: ${res.status} ${res.text}`);
  return res.json;
}

describe("dispatch in the default mode", () => {
  it("the tenant's object triggers a chain's tasks itself: no dispatch message goes through the queue", async () => {
    const { s, team } = await setupTenant();
    await pushPipeline(s, { name: "chain", team: team.slug, tasks: [toolTask("a"), toolTask("b", {}, { depends_on: ["a"] })] });
    const run = await startRun(s, "chain");
    expect((await waitForRun(s, run.id, isTerminal)).status).toBe("succeeded");
    await drain();
    expect(dispatchesOf(run.id)).toEqual([]);
    expect(await jobsCreatedFor(run.id)).toHaveLength(2);
  });

  it("the object pokes a sensor itself on its alarm: no queue message per poke", async () => {
    const { s, team } = await setupTenant();
    const flag = `hybrid-${crypto.randomUUID()}`;
    const sensor = {
      id: "wait",
      connector: "http",
      connection: "tool",
      with: { url: `/flags/${flag}?after=3`, method: "GET", sensor: { interval: "10s", timeout: "1h", success: { path: "$.ready", equals: true } } },
    };
    await pushPipeline(s, { name: "sensed_hybrid", team: team.slug, tasks: [sensor] });
    const run = await startRun(s, "sensed_hybrid");
    for (let poke = 1; poke <= 2; poke++) {
      await waitForRun(s, run.id, (r) => r.tasks[0].reason === `waiting: condition not met (poke ${poke})`);
      await advance(s.tenant.id, 10_000);
    }
    expect((await waitForRun(s, run.id, isTerminal)).status).toBe("succeeded");
    await drain();
    expect(dispatchesOf(run.id)).toEqual([]);
    expect((await fakeToolRequests()).filter((r) => r.path.startsWith(`/flags/${flag}`))).toHaveLength(3);
  });

  it(`beyond ${HYBRID_MAX_IN_FLIGHT} tool calls at once the object sends further triggers through the queue, and each task's job is created once`, async () => {
    const { s, team } = await setupTenant();
    // Six tasks queued by the run's first transition; each call is slow enough to still be in flight when the rest are sent.
    const tasks = Array.from({ length: HYBRID_MAX_IN_FLIGHT + 2 }, (_, i) => toolTask(`t${i}`, { delay_ms: 300 }));
    await pushPipeline(s, { name: "wide", team: team.slug, tasks });
    const run = await startRun(s, "wide");
    expect((await waitForRun(s, run.id, isTerminal)).status).toBe("succeeded");
    await drain();
    expect(dispatchesOf(run.id).map((m) => m.op)).toEqual(["trigger", "trigger"]);
    const jobs = await jobsCreatedFor(run.id);
    expect(jobs).toHaveLength(tasks.length);
    expect(new Set(jobs.map((j) => JSON.parse(j.body).key)).size).toBe(tasks.length);
  });

  it("a trigger whose call fails on Tutti's side is handed to the queue, whose retry creates the job once", async () => {
    const { s, team } = await setupTenant();
    await pushPipeline(s, { name: "handoff", team: team.slug, tasks: [toolTask("only")] });
    // A secret that cannot be decrypted (its key version is unknown) makes the call fail before it reaches the tool.
    const row = await (await tenantD1(s.tenant.id))
      .prepare("SELECT id, secrets FROM connections WHERE tenant_id = ? AND name = 'tool'")
      .bind(s.tenant.id)
      .first<{ id: string; secrets: string }>();
    await (await tenantD1(s.tenant.id)).prepare("UPDATE connections SET secrets = json_set(secrets, '$.bearer_token.v', 999) WHERE id = ?").bind(row!.id).run();
    const run = await startRun(s, "handoff");
    await eventually(() => expect(dispatchesOf(run.id).length).toBeGreaterThan(0));
    expect(await jobsCreatedFor(run.id)).toEqual([]);
    // The secret is readable again: the queue's next delivery performs the call.
    await (await tenantD1(s.tenant.id)).prepare("UPDATE connections SET secrets = ? WHERE id = ?").bind(row!.secrets, row!.id).run();
    expect((await waitForRun(s, run.id, isTerminal, 25_000)).status).toBe("succeeded");
    await drain();
    expect(await jobsCreatedFor(run.id)).toHaveLength(1);
  });

  it("a chain's steps reach D1 together while the object calls the next tool: fewer write-throughs than steps, the last one complete", async () => {
    const { s, team } = await setupTenant();
    const steps = 12;
    const tasks = Array.from({ length: steps }, (_, i) => toolTask(`t${i}`, {}, i ? { depends_on: [`t${i - 1}`] } : {}));
    await pushPipeline(s, { name: "coalesced", team: team.slug, tasks });
    // Every D1 batch in this isolate (the object's included): the write-throughs are those upserting task_runs.
    const batches = vi.spyOn(Object.getPrototypeOf(env.DB) as D1Database, "batch");
    try {
      const run = await startRun(s, "coalesced");
      const done = await waitForRun(s, run.id, isTerminal);
      expect(done.status).toBe("succeeded");
      expect(done.tasks.map((t: { status: string }) => t.status)).toEqual(Array(steps).fill("succeeded"));
      const writeThroughs = batches.mock.calls.filter(([statements]) =>
        statements.some((st) => /insert into "?task_runs"?/i.test((st as unknown as { statement: string }).statement ?? "")),
      );
      expect(writeThroughs.length).toBeGreaterThan(0);
      expect(writeThroughs.length).toBeLessThan(steps);
    } finally {
      batches.mockRestore();
    }
  });

  it(`a held write-through is written within ${WRITE_THROUGH_HOLD_MS} ms even while the next tool call is still in flight`, async () => {
    const { s, team } = await setupTenant();
    // The second call answers well after the hold is over (and below SLOW_CALL_MS, so the object still makes it).
    const tasks = [toolTask("first"), toolTask("long", { delay_ms: 4_000 }, { depends_on: ["first"] })];
    await pushPipeline(s, { name: "heldwrite", team: team.slug, tasks });
    const run = await startRun(s, "heldwrite");
    const seen = await waitForRun(s, run.id, (r) => r.tasks.find((t: { key: string }) => t.key === "first")?.status === "succeeded");
    expect(seen.tasks.find((t: { key: string }) => t.key === "long")?.status).not.toBe("succeeded");
    expect((await waitForRun(s, run.id, isTerminal, 20_000)).status).toBe("succeeded");
  }, 30_000);

  it(`after a call slower than ${SLOW_CALL_MS / 1000} s, the connection's next trigger goes through the queue`, async () => {
    const { s, team } = await setupTenant();
    const tasks = [toolTask("slow", { delay_ms: SLOW_CALL_MS + 300 }), toolTask("next", {}, { depends_on: ["slow"] })];
    await pushPipeline(s, { name: "slowtool", team: team.slug, tasks });
    const run = await startRun(s, "slowtool");
    expect((await waitForRun(s, run.id, isTerminal, 25_000)).status).toBe("succeeded");
    await drain();
    expect(dispatchesOf(run.id).map((m) => m.taskKey)).toEqual(["next"]);
  }, 40_000);
});
