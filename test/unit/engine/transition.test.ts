import { describe, expect, it } from "vitest";
import { retryDelayMs } from "../../../worker/engine/backoff";
import { InvalidTransition, transition } from "../../../worker/engine/transition";
import type { EngineEvent, RunState } from "../../../worker/engine/types";
import { Harness, task } from "./helpers";

const diamond = () => [
  task("extract"),
  task("load_a", { dependsOn: ["extract"] }),
  task("load_b", { dependsOn: ["extract"] }),
  task("marts", { dependsOn: ["load_a", "load_b"] }),
];

describe("run state machine", () => {
  it("a 3-level DAG runs each task after its dependencies and succeeds", () => {
    const h = new Harness(diamond());
    h.send({ type: "run.start" });
    expect(h.dispatched()).toEqual(["extract#1"]);
    h.ok("extract");
    expect(h.dispatched()).toEqual(["extract#1", "load_a#1", "load_b#1"]);
    h.ok("load_a");
    expect(h.dispatched()).not.toContain("marts#1");
    h.ok("load_b");
    expect(h.dispatched()).toContain("marts#1");
    const r = h.ok("marts");
    expect(h.state.status).toBe("succeeded");
    expect(r.effects).toContainEqual({ type: "run.finished", status: "succeeded" });
  });

  it("a webhook that says only 'still running' after one that asked for a look now leaves the look now", () => {
    const h = new Harness([task("sync", { pollIntervalMs: 3_600_000 })]);
    h.send({ type: "run.start" });
    h.send({ type: "task.outcome", key: "sync", attempt: 1, source: "trigger", outcome: { status: "running", externalId: "ext-1" } });
    // Fivetran's sync_end (look now) delivered before its sync_start (still running).
    h.send({ type: "task.outcome", key: "sync", attempt: 1, source: "webhook", outcome: { status: "running", pollAfterMs: 0 } });
    expect(h.timers().at(-1)).toMatchObject({ dueAt: h.now, event: { type: "task.poll_due", key: "sync" } });
    const late = h.send({ type: "task.outcome", key: "sync", attempt: 1, source: "webhook", outcome: { status: "running" } });
    expect(late.effects.filter((e) => e.type === "timer.set")).toEqual([]);
    expect(h.state.tasks.sync.status).toBe("running");
  });

  it("a running outcome schedules a poll and the poll dispatches with a new sequence number", () => {
    const h = new Harness([task("sync", { pollIntervalMs: 7000 })]);
    h.send({ type: "run.start" });
    h.send({ type: "task.outcome", key: "sync", attempt: 1, source: "trigger", outcome: { status: "running", externalId: "ext-1" } });
    expect(h.state.tasks.sync.status).toBe("triggered");
    expect(h.state.tasks.sync.handle?.externalId).toBe("ext-1");
    expect(h.timers().at(-1)).toMatchObject({ dueAt: h.now + 7000, event: { type: "task.poll_due", key: "sync", attempt: 1 } });
    h.send({ type: "task.poll_due", key: "sync", attempt: 1 });
    h.send({ type: "task.poll_due", key: "sync", attempt: 1 });
    expect(h.effects.filter((e) => e.type === "dispatch" && e.op === "poll").map((e) => (e as { seq: number }).seq)).toEqual([1, 2]);
  });

  it("a failing task with retries succeeds on attempt 3 after exponential backoff", () => {
    const h = new Harness([task("flaky", { retries: { max: 3, backoff: "exponential", delayMs: 10_000, maxDelayMs: 600_000, jitter: false } })]);
    h.send({ type: "run.start" });
    h.fail("flaky");
    expect(h.state.tasks.flaky.status).toBe("up_for_retry");
    expect(h.timers().at(-1)!.dueAt - h.now).toBe(10_000);
    h.send({ type: "task.retry_due", key: "flaky", attempt: 1 });
    h.fail("flaky");
    expect(h.timers().at(-1)!.dueAt - h.now).toBe(20_000);
    h.send({ type: "task.retry_due", key: "flaky", attempt: 2 });
    h.ok("flaky");
    expect(h.state.tasks.flaky).toMatchObject({ status: "succeeded", attempt: 3 });
    expect(h.dispatched()).toEqual(["flaky#1", "flaky#2", "flaky#3"]);
    expect(h.state.status).toBe("succeeded");
  });

  it("retries are exhausted after max + 1 attempts and the run fails", () => {
    const h = new Harness([
      task("a", { retries: { max: 1, backoff: "fixed", delayMs: 1000, maxDelayMs: 1000, jitter: false } }),
      task("b", { dependsOn: ["a"] }),
    ]);
    h.send({ type: "run.start" });
    h.fail("a");
    h.send({ type: "task.retry_due", key: "a", attempt: 1 });
    h.fail("a", "still broken");
    expect(h.status()).toEqual({ a: "failed", b: "skipped" });
    expect(h.state.status).toBe("failed");
    expect(h.state.tasks.a.error?.message).toBe("still broken");
  });

  it("auth failures are not retried", () => {
    const h = new Harness([task("a", { retries: { max: 5, backoff: "fixed", delayMs: 1000, maxDelayMs: 1000, jitter: false } })]);
    h.send({ type: "run.start" });
    h.send({ type: "task.outcome", key: "a", attempt: 1, source: "trigger", outcome: { status: "failed", error: { kind: "auth", message: "401" } } });
    expect(h.state.tasks.a.status).toBe("failed");
  });

  it("Retry-After from the tool stretches the backoff", () => {
    const h = new Harness([task("a", { retries: { max: 2, backoff: "fixed", delayMs: 1000, maxDelayMs: 1000, jitter: false } })]);
    h.send({ type: "run.start" });
    h.send({
      type: "task.outcome",
      key: "a",
      attempt: 1,
      source: "trigger",
      outcome: { status: "failed", error: { kind: "rate_limited", message: "429", retryAfterMs: 30_000 } },
    });
    expect(h.timers().at(-1)!.dueAt - h.now).toBe(30_000);
  });

  it("jitter keeps the delay within 75–100 % of the backoff", () => {
    const policy = { max: 3, backoff: "exponential" as const, delayMs: 1000, maxDelayMs: 10_000, jitter: true };
    expect(retryDelayMs(policy, 2, () => 0)).toBe(750);
    expect(retryDelayMs(policy, 2, () => 1)).toBe(1000);
    expect(retryDelayMs(policy, 6, () => 1)).toBe(10_000);
  });

  it("a task timeout cancels the work at the tool and fails the task", () => {
    const h = new Harness([task("slow", { timeoutMs: 60_000 })]);
    h.send({ type: "run.start" });
    expect(h.timers().find((t) => t.event.type === "task.timeout")?.dueAt).toBe(h.now + 60_000);
    h.send({ type: "task.outcome", key: "slow", attempt: 1, source: "trigger", outcome: { status: "running", externalId: "x" } });
    h.send({ type: "task.timeout", key: "slow", attempt: 1 });
    expect(h.dispatched("cancel")).toEqual(["slow#1"]);
    expect(h.state.tasks.slow.status).toBe("timed_out");
    expect(h.state.status).toBe("failed");
  });

  it("a run timeout stops every task", () => {
    const h = new Harness(diamond(), 3_600_000);
    h.send({ type: "run.start" });
    h.ok("extract");
    h.send({ type: "run.timeout" });
    expect(h.state.status).toBe("timed_out");
    expect(h.status()).toEqual({ extract: "succeeded", load_a: "timed_out", load_b: "timed_out", marts: "cancelled" });
    expect(h.dispatched("cancel").sort()).toEqual(["load_a#1", "load_b#1"]);
  });

  it("cancel mid-run cancels active tasks at the tool and skips the rest", () => {
    const h = new Harness(diamond());
    h.send({ type: "run.start" });
    h.ok("extract");
    h.send({ type: "task.outcome", key: "load_a", attempt: 1, source: "trigger", outcome: { status: "running", externalId: "a" } });
    const r = h.send({ type: "run.cancel", reason: "cancelled by ada@example.com" });
    expect(h.state.status).toBe("cancelled");
    expect(h.status()).toEqual({ extract: "succeeded", load_a: "cancelled", load_b: "cancelled", marts: "cancelled" });
    expect(r.effects).toContainEqual({ type: "run.finished", status: "cancelled" });
    // A late success for a cancelled task changes nothing.
    h.ok("load_a");
    expect(h.state.tasks.load_a.status).toBe("cancelled");
  });

  it("a run cancelled in the tool ends the task cancelled, without retry, and the run cancelled", () => {
    const retries = { max: 3, backoff: "fixed" as const, delayMs: 1000, maxDelayMs: 1000, jitter: false };
    const h = new Harness([
      task("build", { retries }),
      task("publish", { dependsOn: ["build"] }),
      task("notify", { dependsOn: ["build"], runIf: "any_failed" }),
    ]);
    h.send({ type: "run.start" });
    const r = h.send({
      type: "task.outcome",
      key: "build",
      attempt: 1,
      source: "poll",
      outcome: { status: "cancelled", reason: "the run was cancelled in dbt Cloud", externalId: "70001" },
    });
    expect(h.state.tasks.build).toMatchObject({ status: "cancelled", attempt: 1, error: null, reason: "the run was cancelled in dbt Cloud" });
    expect(h.dispatched()).toEqual(["build#1"]);
    // Not a failure: an any_failed handler does not run, all_success downstream is skipped.
    expect(h.status()).toEqual({ build: "cancelled", publish: "skipped", notify: "skipped" });
    expect(h.state.status).toBe("cancelled");
    expect(r.effects).toContainEqual({ type: "run.finished", status: "cancelled" });
    expect(r.log).toContainEqual({ taskKey: "build", from: "queued", to: "cancelled", reason: "the run was cancelled in dbt Cloud (poll)" });
  });

  it("an outcome's note (what could not be collected) is kept as the task's reason; collect tries reset with each attempt", () => {
    const retries = { max: 1, backoff: "fixed" as const, delayMs: 1000, maxDelayMs: 1000, jitter: false };
    const h = new Harness([task("build", { retries })]);
    h.send({ type: "run.start" });
    h.send({
      type: "task.outcome",
      key: "build",
      attempt: 1,
      source: "poll",
      outcome: { status: "running", externalId: "70001", pollAfterMs: 10_000, collectTries: 1 },
    });
    expect(h.state.tasks.build.handle).toMatchObject({ externalId: "70001", collectTries: 1 });
    expect(h.timers().at(-1)!.dueAt - h.now).toBe(10_000);
    h.fail("build");
    h.send({ type: "task.retry_due", key: "build", attempt: 1 });
    expect(h.state.tasks.build.handle?.collectTries).toBeUndefined();
    const r = h.ok("build", { note: "dbt Cloud has no manifest.json" });
    expect(h.state.tasks.build.reason).toBe("dbt Cloud has no manifest.json");
    expect(r.log).toContainEqual({ taskKey: "build", from: "queued", to: "succeeded", reason: "succeeded (poll); dbt Cloud has no manifest.json" });
  });

  it("a failure elsewhere in the run outranks a task cancelled in its tool", () => {
    const h = new Harness([task("a"), task("b")]);
    h.send({ type: "run.start" });
    h.send({ type: "task.outcome", key: "a", attempt: 1, source: "poll", outcome: { status: "cancelled", reason: "cancelled in GitHub" } });
    h.fail("b");
    expect(h.state.status).toBe("failed");
    expect(h.state.reason).toBe("task b failed");
  });

  it("a trigger that lands after cancel is cancelled at the tool", () => {
    const h = new Harness([task("a")]);
    h.send({ type: "run.start" });
    h.send({ type: "run.cancel", reason: "x" });
    const r = h.send({ type: "task.outcome", key: "a", attempt: 1, source: "trigger", outcome: { status: "running", externalId: "late" } });
    expect(r.effects).toContainEqual({ type: "dispatch", key: "a", attempt: 1, op: "cancel", seq: 0 });
  });

  it("retry from failure re-runs only the failed task and its downstream", () => {
    const h = new Harness(diamond());
    h.send({ type: "run.start" });
    h.ok("extract");
    h.ok("load_a");
    h.fail("load_b");
    expect(h.status()).toEqual({ extract: "succeeded", load_a: "succeeded", load_b: "failed", marts: "skipped" });
    h.effects = [];
    h.send({ type: "run.retry" });
    expect(h.state.attempt).toBe(2);
    expect(h.dispatched()).toEqual(["load_b#2"]);
    h.ok("load_b");
    expect(h.dispatched()).toEqual(["load_b#2", "marts#1"]);
    h.ok("marts");
    expect(h.state.status).toBe("succeeded");
  });

  it("a succeeded run cannot be retried", () => {
    const h = new Harness([task("a")]);
    h.send({ type: "run.start" });
    h.ok("a");
    expect(() => h.send({ type: "run.retry" })).toThrow(InvalidTransition);
  });

  it("run_if all_done runs after a failure, any_failed runs only when something failed", () => {
    const plan = () => [task("a"), task("cleanup", { dependsOn: ["a"], runIf: "all_done" }), task("on_failure", { dependsOn: ["a"], runIf: "any_failed" })];
    const failed = new Harness(plan());
    failed.send({ type: "run.start" });
    failed.fail("a");
    expect(failed.dispatched()).toEqual(["a#1", "cleanup#1", "on_failure#1"]);
    failed.ok("cleanup");
    failed.ok("on_failure");
    expect(failed.state.status).toBe("failed");

    const ok = new Harness(plan());
    ok.send({ type: "run.start" });
    ok.ok("a");
    expect(ok.dispatched()).toEqual(["a#1", "cleanup#1"]);
    expect(ok.state.tasks.on_failure).toMatchObject({ status: "skipped", reason: "no upstream task failed" });
    ok.ok("cleanup");
    expect(ok.state.status).toBe("succeeded");
  });

  it("no new data skips downstream tasks when the spec asks for it", () => {
    const h = new Harness([
      task("sync", { skipDownstreamIfNoNewData: true }),
      task("build", { dependsOn: ["sync"] }),
      task("publish", { dependsOn: ["build"] }),
    ]);
    h.send({ type: "run.start" });
    h.ok("sync", { noNewData: true });
    expect(h.status()).toEqual({ sync: "succeeded", build: "skipped", publish: "skipped" });
    expect(h.state.tasks.build.reason).toBe("no new data from sync");
    expect(h.state.status).toBe("succeeded");
  });

  it("no new data does not skip downstream when the spec does not ask for it", () => {
    const h = new Harness([task("sync"), task("build", { dependsOn: ["sync"] })]);
    h.send({ type: "run.start" });
    h.ok("sync", { noNewData: true });
    expect(h.dispatched()).toEqual(["sync#1", "build#1"]);
  });

  it("events for a stale attempt change nothing", () => {
    const h = new Harness([task("a", { retries: { max: 2, backoff: "fixed", delayMs: 1000, maxDelayMs: 1000, jitter: false } })]);
    h.send({ type: "run.start" });
    h.fail("a");
    h.send({ type: "task.retry_due", key: "a", attempt: 1 });
    const before = structuredClone(h.state);
    const r = h.send({ type: "task.outcome", key: "a", attempt: 1, source: "poll", outcome: { status: "succeeded" } });
    expect(h.state).toEqual(before);
    expect(r.effects).toEqual([]);
  });

  it("the transition log records every status change with its reason", () => {
    const h = new Harness([task("a")]);
    const started = h.send({ type: "run.start" });
    expect(started.log).toEqual([
      { taskKey: null, from: "queued", to: "running", reason: "started" },
      { taskKey: "a", from: "pending", to: "queued", reason: "dependencies met" },
    ]);
  });

  it("a skipped run skips every task", () => {
    const h = new Harness(diamond());
    h.send({ type: "run.skip", reason: "concurrency limit reached" });
    expect(h.state.status).toBe("skipped");
    expect(new Set(Object.values(h.status()))).toEqual(new Set(["skipped"]));
  });
});

describe("whether a transition changed anything", () => {
  const retrying = { retries: { max: 2, backoff: "fixed" as const, delayMs: 1000, maxDelayMs: 1000, jitter: false } };

  it("events that apply report a change", () => {
    const h = new Harness([task("a", { ...retrying, timeoutMs: 60_000 }), task("b", { dependsOn: ["a"] })]);
    expect(h.send({ type: "run.start" }).changed).toBe(true);
    expect(h.send({ type: "task.outcome", key: "a", attempt: 1, source: "trigger", outcome: { status: "running", externalId: "x" } }).changed).toBe(true);
    expect(h.send({ type: "task.poll_due", key: "a", attempt: 1 }).changed).toBe(true);
    expect(h.send({ type: "task.dispatch_failed", key: "a", attempt: 1, message: "queue gave up" }).changed).toBe(true);
    expect(h.send({ type: "task.retry_due", key: "a", attempt: 1 }).changed).toBe(true);
    expect(h.send({ type: "task.timeout", key: "a", attempt: 2 }).changed).toBe(true);
    expect(h.send({ type: "run.cancel", reason: "enough" }).changed).toBe(true);
    expect(h.send({ type: "run.retry" }).changed).toBe(true);
    expect(h.send({ type: "run.timeout" }).changed).toBe(true);
    expect(new Harness([task("a")]).send({ type: "run.skip", reason: "limit" }).changed).toBe(true);
  });

  it("a repeated poll outcome that moves no status still changes the run: it re-arms the poll", () => {
    const h = new Harness([task("a")]);
    h.send({ type: "run.start" });
    h.send({ type: "task.outcome", key: "a", attempt: 1, source: "poll", outcome: { status: "running" } });
    const again = h.send({ type: "task.outcome", key: "a", attempt: 1, source: "poll", outcome: { status: "running" } });
    expect(again.log).toEqual([]);
    expect(again.changed).toBe(true);
  });

  it("a tool run that starts after its task was stopped leaves the state alone but still changes something: the cancel sent to the tool", () => {
    const h = new Harness([task("a")]);
    h.send({ type: "run.start" });
    h.send({ type: "run.cancel", reason: "x" });
    const before = structuredClone(h.state);
    const late = h.send({ type: "task.outcome", key: "a", attempt: 1, source: "trigger", outcome: { status: "running", externalId: "late" } });
    expect(h.state).toEqual(before);
    expect(late.changed).toBe(true);
  });

  it("events that no longer apply report no change and return the state as it was", () => {
    const h = new Harness([task("a", retrying), task("b", { dependsOn: ["a"] })]);
    h.send({ type: "run.start" });
    h.send({ type: "task.outcome", key: "a", attempt: 1, source: "trigger", outcome: { status: "running", externalId: "x" } });
    const running = structuredClone(h.state);
    const stale: EngineEvent[] = [
      { type: "run.start" },
      { type: "run.skip", reason: "late" },
      { type: "task.outcome", key: "a", attempt: 2, source: "poll", outcome: { status: "succeeded" } },
      { type: "task.outcome", key: "nope", attempt: 1, source: "poll", outcome: { status: "succeeded" } },
      { type: "task.retry_due", key: "a", attempt: 1 },
      { type: "task.poll_due", key: "a", attempt: 2 },
      { type: "task.poll_due", key: "b", attempt: 0 },
      { type: "task.timeout", key: "b", attempt: 0 },
      { type: "task.dispatch_failed", key: "a", attempt: 3, message: "old" },
    ];
    for (const event of stale) expectUnchanged(running, event);

    h.send({ type: "run.cancel", reason: "stop" });
    const finished = structuredClone(h.state);
    const afterFinish: EngineEvent[] = [
      { type: "run.cancel", reason: "again" },
      { type: "run.timeout" },
      { type: "task.outcome", key: "a", attempt: 1, source: "poll", outcome: { status: "succeeded" } },
      { type: "task.poll_due", key: "a", attempt: 1 },
      { type: "task.timeout", key: "a", attempt: 1 },
      { type: "task.dispatch_failed", key: "a", attempt: 1, message: "late" },
    ];
    for (const event of afterFinish) expectUnchanged(finished, event);
  });

  function expectUnchanged(state: RunState, event: EngineEvent) {
    const result = transition(state, event, { now: 2_000_000, random: () => 0.5 });
    expect({ event: event.type, changed: result.changed }).toEqual({ event: event.type, changed: false });
    expect(result.state).toEqual(state);
  }
});
