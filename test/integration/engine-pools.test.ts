import { describe, expect, inject, it } from "vitest";
import { api, type Session } from "../helpers/api";
import { advance, isTerminal, taskStatus, waitForRun } from "../helpers/engine";
import { pushPipeline, setupTenant, toolTask } from "../helpers/pipelines";
import { drain, eventually } from "../helpers/wait";

/** What the fake tool saw of the jobs of one group: running now, the most at once, job keys in creation order. */
interface Group {
  running: number;
  peak: number;
  started: string[];
  finished: number;
}

async function group(name: string): Promise<Group> {
  return (await (await fetch(`${inject("fakeHttpToolUrl")}/__groups/${name}`)).json()) as Group;
}

async function waitForGroup(name: string, predicate: (g: Group) => boolean): Promise<Group> {
  return eventually(async () => {
    const g = await group(name);
    if (!predicate(g)) throw new Error(`group ${name} not there yet: ${JSON.stringify(g)}`);
    return g;
  });
}

async function createPool(s: Session, name: string, slots: number) {
  const res = await api("/pools", { as: s, body: { name, slots } });
  if (res.status !== 201) throw new Error(`pool ${name}: ${res.status} ${res.text}`);
}

async function poolOf(s: Session, name: string) {
  const res = await api("/pools", { as: s });
  return (res.json.items as Array<{ name: string; slots: number; in_use: number; waiting: number }>).find((p) => p.name === name);
}

async function start(s: Session, pipeline: string): Promise<string> {
  const res = await api(`/pipelines/${pipeline}/runs`, { as: s, body: {} });
  if (res.status !== 201) throw new Error(`start ${pipeline}: ${res.status} ${res.text}`);
  return res.json.id as string;
}

/** A task on the fake tool in pool `pool`, whose job counts in the fake's group `group` and runs for `polls` polls. */
const pooledTask = (id: string, pool: string, groupName: string, polls: number, extra: Record<string, unknown> = {}) =>
  toolTask(id, { polls, group: groupName }, { pool, poll_interval: "30s", ...extra });

const runOfKey = (key: string) => key.slice(0, key.lastIndexOf("-"));

/**
 * Moves the engine clock by `ms` once the work in flight is done and every started task's trigger answer is recorded
 * (a queued task is then one waiting for its pool), so the polls due by then are armed and fire.
 */
async function advanceSettled(s: Session, runIds: string[], ms: number) {
  await drain();
  for (const id of runIds) {
    await waitForRun(s, id, (r) => isTerminal(r) || r.tasks.every((t) => t.status !== "queued" || String(t.reason).startsWith("waiting for pool")));
  }
  await advance(s.tenant.id, ms);
}

describe("pools: a limit on tasks running at once across runs and pipelines", () => {
  it("three runs of two pooled tasks never have more than two at the tool, and start in the order they became ready", async () => {
    const { s, team } = await setupTenant();
    const g = `pool-${crypto.randomUUID()}`;
    await createPool(s, "warehouse", 2);
    await pushPipeline(s, {
      name: "loads",
      team: team.slug,
      concurrency: { max_runs: 3 },
      tasks: [pooledTask("a", "warehouse", g, 1), pooledTask("b", "warehouse", g, 1)],
    });
    const runs = [await start(s, "loads"), await start(s, "loads"), await start(s, "loads")];
    await waitForGroup(g, (x) => x.running === 2);
    // The other four wait, saying for what.
    const waiting = await waitForRun(s, runs[2], (r) => r.tasks.every((t) => t.reason === "waiting for pool warehouse: 2/2 in use"));
    expect(taskStatus(waiting)).toEqual({ a: "queued", b: "queued" });
    await drain();
    expect(await poolOf(s, "warehouse")).toMatchObject({ slots: 2, in_use: 2, waiting: 4 });
    expect((await group(g)).started).toHaveLength(2);

    for (let round = 2; round <= 3; round++) {
      await advanceSettled(s, runs, 30_000);
      await waitForGroup(g, (x) => x.started.length === round * 2 && x.running === 2);
    }
    await advanceSettled(s, runs, 30_000);
    for (const id of runs) expect((await waitForRun(s, id, isTerminal)).status).toBe("succeeded");
    const seen = await group(g);
    expect(seen.peak).toBe(2);
    expect(seen.started.map(runOfKey)).toEqual([runs[0], runs[0], runs[1], runs[1], runs[2], runs[2]]);
    expect(await poolOf(s, "warehouse")).toMatchObject({ in_use: 0, waiting: 0 });
    const done = await waitForRun(s, runs[2], isTerminal);
    expect(done.tasks.every((t) => t.reason === null)).toBe(true);
  });

  it("cancelling a run gives its slot to the next waiting task at once", async () => {
    const { s, team } = await setupTenant();
    const g = `pool-${crypto.randomUUID()}`;
    await createPool(s, "api-quota", 1);
    await pushPipeline(s, { name: "first", team: team.slug, tasks: [pooledTask("work", "api-quota", g, 50)] });
    await pushPipeline(s, { name: "second", team: team.slug, tasks: [pooledTask("work", "api-quota", g, 1)] });
    const first = await start(s, "first");
    await waitForGroup(g, (x) => x.running === 1);
    const second = await start(s, "second");
    await waitForRun(s, second, (r) => r.tasks[0].reason === "waiting for pool api-quota: 1/1 in use");

    const cancel = await api(`/runs/${first}/cancel`, { as: s, body: {} });
    expect(cancel.status).toBe(200);
    const after = await waitForGroup(g, (x) => x.started.length === 2);
    expect(after.started.map(runOfKey)).toEqual([first, second]);
    expect(after.peak).toBe(1);
    await waitForRun(s, second, (r) => r.tasks[0].status === "triggered" || r.tasks[0].status === "running");
    await advanceSettled(s, [second], 30_000);
    expect((await waitForRun(s, second, isTerminal)).status).toBe("succeeded");
    expect((await waitForRun(s, first, isTerminal)).status).toBe("cancelled");
    expect(await poolOf(s, "api-quota")).toMatchObject({ in_use: 0, waiting: 0 });
  });

  it("a task waiting out its retry backoff gives its slot up, then queues again behind the tasks that asked before it", async () => {
    const { s, team } = await setupTenant();
    const g = `pool-${crypto.randomUUID()}`;
    await createPool(s, "warehouse", 1);
    // Every attempt of the flaky job fails at the tool, read by its first poll; one retry, an hour later.
    const retries = { max: 1, backoff: "fixed", delay: "1h", jitter: false };
    await pushPipeline(s, {
      name: "flaky",
      team: team.slug,
      tasks: [toolTask("work", { polls: 1, group: g, outcome: "failed" }, { pool: "warehouse", poll_interval: "30s", retries })],
    });
    await pushPipeline(s, { name: "steady", team: team.slug, tasks: [pooledTask("work", "warehouse", g, 2)] });
    const flaky = await start(s, "flaky");
    await waitForGroup(g, (x) => x.running === 1);
    const steady = await start(s, "steady");
    await waitForRun(s, steady, (r) => r.tasks[0].reason === "waiting for pool warehouse: 1/1 in use");

    await advanceSettled(s, [flaky, steady], 30_000);
    await waitForRun(s, flaky, (r) => r.tasks[0].status === "up_for_retry");
    // While the flaky task waits an hour for its retry, the steady one has the slot.
    await waitForGroup(g, (x) => x.started.length === 2 && x.running === 1);
    expect(await poolOf(s, "warehouse")).toMatchObject({ in_use: 1, waiting: 0 });

    // The retry is due while the steady task still runs: it waits for the slot rather than taking a second one.
    await advanceSettled(s, [flaky, steady], 3_600_000);
    await waitForRun(s, flaky, (r) => r.tasks[0].attempt === 2 && r.tasks[0].reason === "waiting for pool warehouse: 1/1 in use");
    await drain();
    expect(await group(g)).toMatchObject({ running: 1, peak: 1, started: [expect.any(String), expect.any(String)] });
    expect(await poolOf(s, "warehouse")).toMatchObject({ in_use: 1, waiting: 1 });

    await advanceSettled(s, [flaky, steady], 30_000);
    expect((await waitForRun(s, steady, isTerminal)).status).toBe("succeeded");
    const third = await waitForGroup(g, (x) => x.started.length === 3);
    expect(third.started.map(runOfKey)).toEqual([flaky, steady, flaky]);
    await advanceSettled(s, [flaky], 30_000);
    const done = await waitForRun(s, flaky, isTerminal);
    expect(done.status).toBe("failed");
    expect(done.tasks[0].attempt).toBe(2);
    expect((await group(g)).peak).toBe(1);
    expect(await poolOf(s, "warehouse")).toMatchObject({ in_use: 0, waiting: 0 });
  });

  it("a pool shrunk below its use lets running tasks finish and starts none until under the new size; grown, it starts the next at once", async () => {
    const { s, team } = await setupTenant();
    const g = `pool-${crypto.randomUUID()}`;
    await createPool(s, "warehouse", 2);
    await pushPipeline(s, { name: "short", team: team.slug, tasks: [pooledTask("work", "warehouse", g, 1)] });
    await pushPipeline(s, { name: "long", team: team.slug, tasks: [pooledTask("work", "warehouse", g, 3)] });
    await pushPipeline(s, { name: "later", team: team.slug, tasks: [pooledTask("work", "warehouse", g, 1)] });
    const short = await start(s, "short");
    const long = await start(s, "long");
    await waitForGroup(g, (x) => x.running === 2);
    const later = await start(s, "later");
    await waitForRun(s, later, (r) => r.tasks[0].reason === "waiting for pool warehouse: 2/2 in use");

    const shrunk = await api("/pools/warehouse", { as: s, method: "PATCH", body: { slots: 1 } });
    expect(shrunk.status).toBe(200);
    expect(shrunk.json).toMatchObject({ slots: 1, in_use: 2, waiting: 1 });
    // The short task ends: one slot is held by the long one, which is the whole pool now, so nothing starts.
    await advanceSettled(s, [short, long, later], 30_000);
    expect((await waitForRun(s, short, isTerminal)).status).toBe("succeeded");
    await drain();
    expect(await group(g)).toMatchObject({ running: 1, started: [expect.any(String), expect.any(String)] });
    expect(await poolOf(s, "warehouse")).toMatchObject({ in_use: 1, waiting: 1 });

    const grown = await api("/pools/warehouse", { as: s, method: "PATCH", body: { slots: 3 } });
    expect(grown.status).toBe(200);
    const after = await waitForGroup(g, (x) => x.started.length === 3);
    expect(after.started.map(runOfKey)).toEqual([short, long, later]);
    for (let i = 0; i < 2; i++) await advanceSettled(s, [long, later], 30_000);
    expect((await waitForRun(s, later, isTerminal)).status).toBe("succeeded");
    expect((await waitForRun(s, long, isTerminal)).status).toBe("succeeded");
    expect((await group(g)).peak).toBe(2);
  });
});
