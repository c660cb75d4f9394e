import { describe, expect, it } from "vitest";
import { Harness, task } from "./helpers";

const retries = { max: 2, backoff: "fixed" as const, delayMs: 1000, maxDelayMs: 3_600_000, jitter: false };
const sensor = (over = {}) => task("wait", { sensor: { intervalMs: 60_000, timeoutMs: 6 * 3_600_000 }, pollIntervalMs: 60_000, retries, ...over });
const notYet = (h: Harness, source: "trigger" | "poll") => h.send({ type: "task.outcome", key: "wait", attempt: 1, source, outcome: { status: "running" } });

describe("sensors in the run state machine", () => {
  it("an unmet condition keeps the sensor running, counts its pokes and looks again after the interval", () => {
    const h = new Harness([sensor()]);
    h.send({ type: "run.start" });
    notYet(h, "trigger");
    expect(h.state.tasks.wait).toMatchObject({ status: "running", reason: "waiting: condition not met (poke 1)" });
    expect(h.timers().at(-1)).toMatchObject({ dueAt: h.now + 60_000, event: { type: "task.poll_due", key: "wait" } });
    h.send({ type: "task.poll_due", key: "wait", attempt: 1 });
    notYet(h, "poll");
    expect(h.state.tasks.wait.reason).toBe("waiting: condition not met (poke 2)");
    h.ok("wait");
    expect(h.state.tasks.wait).toMatchObject({ status: "succeeded", reason: null });
  });

  it("the sensor's timeout ends it timed_out with its own reason and arms no retry", () => {
    const h = new Harness([sensor()]);
    h.send({ type: "run.start" });
    expect(h.timers().find((t) => t.event.type === "task.timeout")?.dueAt).toBe(h.now + 6 * 3_600_000);
    notYet(h, "trigger");
    h.send({ type: "task.timeout", key: "wait", attempt: 1 });
    expect(h.state.tasks.wait).toMatchObject({ status: "timed_out", reason: "sensor timed out after 6h", error: { kind: "timeout" } });
    expect(h.timers().some((t) => t.event.type === "task.retry_due")).toBe(false);
    expect(h.state.status).toBe("failed");
  });

  it("a task timeout shorter than the sensor's is an ordinary timed-out attempt, retried", () => {
    const h = new Harness([sensor({ timeoutMs: 600_000 })]);
    h.send({ type: "run.start" });
    expect(h.timers().find((t) => t.event.type === "task.timeout")?.dueAt).toBe(h.now + 600_000);
    notYet(h, "trigger");
    h.send({ type: "task.timeout", key: "wait", attempt: 1 });
    expect(h.state.tasks.wait.status).toBe("up_for_retry");
    expect(h.state.tasks.wait.error?.message).toBe("task exceeded its timeout of 600s");
  });
});
