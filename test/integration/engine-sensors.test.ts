import { describe, expect, it } from "vitest";
import { api, expectError, type Session } from "../helpers/api";
import { advance, engineTimers, isTerminal, taskStatus, waitForRun } from "../helpers/engine";
import { fakeToolRequests, pushPipeline, setupTenant, toolTask } from "../helpers/pipelines";
import { drain } from "../helpers/wait";

/** An http sensor on the fake tool's flag `name`, which turns ready on its `after`-th read (never without it). */
function flagSensor(id: string, name: string, sensor: Record<string, unknown>, after?: number) {
  return {
    id,
    connector: "http",
    connection: "tool",
    with: {
      url: `/flags/${name}${after === undefined ? "" : `?after=${after}`}`,
      method: "GET",
      sensor: { success: { path: "$.ready", equals: true }, ...sensor },
    },
  };
}

async function start(s: Session, name: string) {
  const res = await api(`/pipelines/${name}/runs`, { as: s, body: {} });
  if (res.status !== 201) throw new Error(`start ${name}: ${res.status} ${res.text}`);
  return res.json as { id: string };
}

const taskOf = (run: { tasks: Array<{ key: string; [k: string]: unknown }> }, key: string) => run.tasks.find((t) => t.key === key)!;
const flagReads = async (name: string) => (await fakeToolRequests()).filter((r) => r.path.startsWith(`/flags/${name}`)).length;

describe("http sensors: a task that waits for a condition, poked on the Durable Object's alarm", () => {
  it("waits while the condition is not met, then succeeds and the downstream task runs", async () => {
    const { s, team } = await setupTenant();
    const flag = `ready-${crypto.randomUUID()}`;
    await pushPipeline(s, {
      name: "sensed",
      team: team.slug,
      tasks: [flagSensor("wait_for_file", flag, { interval: "1m", timeout: "6h" }, 3), toolTask("load", {}, { depends_on: ["wait_for_file"] })],
    });
    const run = await start(s, "sensed");
    let seen = await waitForRun(s, run.id, (r) => taskOf(r, "wait_for_file").reason === "waiting: condition not met (poke 1)");
    expect(taskStatus(seen)).toEqual({ wait_for_file: "running", load: "pending" });
    // The next poke waits for the interval: nothing more is read before it is due. Half the interval, because the
    // moved clock is the real one plus the offset, and a loaded machine spends seconds between the poke and here.
    await advance(s.tenant.id, 30_000);
    await drain();
    expect(await flagReads(flag)).toBe(1);
    expect((await engineTimers(s.tenant.id)).map((t) => t.key)).toEqual(
      expect.arrayContaining([`task:${run.id}:wait_for_file:1:poll`, `task:${run.id}:wait_for_file:1:timeout`]),
    );

    await advance(s.tenant.id, 30_000);
    seen = await waitForRun(s, run.id, (r) => taskOf(r, "wait_for_file").reason === "waiting: condition not met (poke 2)");
    expect(taskStatus(seen)).toEqual({ wait_for_file: "running", load: "pending" });

    await advance(s.tenant.id, 60_000);
    const done = await waitForRun(s, run.id, isTerminal);
    expect(done.status).toBe("succeeded");
    expect(taskStatus(done)).toEqual({ wait_for_file: "succeeded", load: "succeeded" });
    expect(taskOf(done, "wait_for_file")).toMatchObject({ attempt: 1, reason: null });
    expect(await flagReads(flag)).toBe(3);
  });

  it("fails the task at its timeout, without a retry, and skips what depends on it", async () => {
    const { s, team } = await setupTenant();
    const flag = `never-${crypto.randomUUID()}`;
    await pushPipeline(s, {
      name: "sensed_never",
      team: team.slug,
      tasks: [
        { ...flagSensor("wait_for_file", flag, { interval: "10m", timeout: "30m" }), retries: { max: 2, delay: "1s", jitter: false } },
        toolTask("load", {}, { depends_on: ["wait_for_file"] }),
      ],
    });
    const run = await start(s, "sensed_never");
    await waitForRun(s, run.id, (r) => taskOf(r, "wait_for_file").reason === "waiting: condition not met (poke 1)");
    for (let poke = 2; poke <= 3; poke++) {
      await advance(s.tenant.id, 10 * 60_000);
      await waitForRun(s, run.id, (r) => taskOf(r, "wait_for_file").reason === `waiting: condition not met (poke ${poke})`);
    }
    await advance(s.tenant.id, 10 * 60_000);
    const done = await waitForRun(s, run.id, isTerminal);
    expect(done.status).toBe("failed");
    expect(taskStatus(done)).toEqual({ wait_for_file: "timed_out", load: "skipped" });
    expect(taskOf(done, "wait_for_file")).toMatchObject({
      attempt: 1,
      reason: "sensor timed out after 30m",
      error: { kind: "timeout", message: "sensor timed out after 30m" },
    });
    // No retry is armed: time passing does not start a second attempt.
    await advance(s.tenant.id, 60 * 60_000);
    await drain();
    expect(taskOf(await waitForRun(s, run.id, () => true), "wait_for_file").attempt).toBe(1);
  });

  it("refuses at push a sensor that pokes more often than every 10s or waits longer than 7 days, naming the field", async () => {
    const { s, team } = await setupTenant();
    const push = (sensor: Record<string, unknown>) =>
      api("/pipelines", {
        as: s,
        body: { spec_text: JSON.stringify({ name: "bad_sensor", team: team.slug, tasks: [flagSensor("wait", "x", sensor)] }), format: "json" },
      });
    const tooOften = await push({ interval: "5s", timeout: "1h" });
    expectError(tooOften, 400, "validation_failed");
    expect(tooOften.json.error.details).toContainEqual(
      expect.objectContaining({ path: "tasks[0].with.sensor.interval", message: expect.stringContaining("between 10s and") }),
    );
    const tooLong = await push({ interval: "1m", timeout: "8d" });
    expectError(tooLong, 400, "validation_failed");
    expect(tooLong.json.error.details).toContainEqual(
      expect.objectContaining({ path: "tasks[0].with.sensor.timeout", message: expect.stringContaining("and 7d") }),
    );
    expect((await api("/pipelines/bad_sensor", { as: s })).status).toBe(404);
  });
});
