import { describe, expect, it } from "vitest";
import type { TaskOutcome } from "../../../worker/connectors/types";
import { nativeRerunFor } from "../../../worker/engine/retry-kind";
import type { TaskState } from "../../../worker/engine/types";
import { Harness, task } from "./helpers";

const failedTask = (over: Partial<TaskState> = {}): TaskState => ({
  key: "build",
  status: "failed",
  attempt: 1,
  handle: { externalId: "70001" },
  error: { kind: "tool_failure", message: "Database Error in model orders" },
  reason: null,
  noNewData: false,
  failedRun: { externalId: "70001", externalUrl: "https://cloud.getdbt.com/runs/70001/" },
  pollSeq: 2,
  queuedAt: 1,
  startedAt: 2,
  finishedAt: 3,
  ...over,
});

describe("how retry from failure starts a task again (the pure decision)", () => {
  it("a task whose tool has a partial rerun and whose last attempt failed in the tool reruns that tool run", () => {
    expect(nativeRerunFor(task("build", { nativeRerun: "rerun_failed" }), failedTask())).toEqual({
      kind: "rerun_failed",
      of: { externalId: "70001", externalUrl: "https://cloud.getdbt.com/runs/70001/" },
    });
    expect(nativeRerunFor(task("build", { nativeRerun: "repair" }), failedTask())?.kind).toBe("repair");
  });

  it("a tool without a partial rerun is triggered again", () => {
    expect(nativeRerunFor(task("build"), failedTask())).toBeNull();
  });

  it("a task that did not end failed in the tool (timed out, cancelled, skipped, or its trigger failed) is triggered again", () => {
    const plan = task("build", { nativeRerun: "repair" });
    expect(nativeRerunFor(plan, failedTask({ status: "timed_out" }))).toBeNull();
    expect(nativeRerunFor(plan, failedTask({ status: "cancelled" }))).toBeNull();
    expect(nativeRerunFor(plan, failedTask({ status: "skipped", failedRun: null }))).toBeNull();
    expect(nativeRerunFor(plan, failedTask({ failedRun: null }))).toBeNull();
  });
});

describe("tool-native reruns through the state machine", () => {
  const failInTool = (h: Harness, key: string, source: "poll" | "trigger", externalId = "run-1", kind: "tool_failure" | "auth" = "tool_failure") =>
    h.send({
      type: "task.outcome",
      key,
      attempt: h.state.tasks[key].attempt,
      source,
      outcome: { status: "failed", externalId, error: { kind, message: "failed" } } as TaskOutcome,
    });

  it("retry from failure makes the next attempt a rerun of the failed tool run, and only that attempt", () => {
    const h = new Harness([
      task("dbt", { nativeRerun: "rerun_failed", retries: { max: 1, backoff: "fixed", delayMs: 1000, maxDelayMs: 1000, jitter: false } }),
    ]);
    h.send({ type: "run.start" });
    h.send({ type: "task.outcome", key: "dbt", attempt: 1, source: "trigger", outcome: { status: "running", externalId: "run-1" } });
    failInTool(h, "dbt", "poll", "run-1");
    // The automatic retry starts the job afresh.
    h.send({ type: "task.retry_due", key: "dbt", attempt: 1 });
    expect(h.state.tasks.dbt).toMatchObject({ attempt: 2, retryKind: "retrigger", rerunOf: null });
    failInTool(h, "dbt", "poll", "run-2");
    expect(h.state.status).toBe("failed");

    h.send({ type: "run.retry" });
    expect(h.state.tasks.dbt).toMatchObject({ status: "queued", attempt: 3, retryKind: "rerun_failed", rerunOf: { externalId: "run-2" }, pendingRerun: null });
    expect(h.dispatched()).toEqual(["dbt#1", "dbt#2", "dbt#3"]);
  });

  it("a failure reported by the trigger, or not by the tool's run, leads to a fresh trigger on retry from failure", () => {
    const h = new Harness([task("a", { nativeRerun: "repair" }), task("b", { nativeRerun: "repair" })]);
    h.send({ type: "run.start" });
    failInTool(h, "a", "trigger", "stale-run");
    failInTool(h, "b", "poll", "run-b", "auth");
    h.send({ type: "run.retry" });
    expect(h.state.tasks.a).toMatchObject({ attempt: 2, retryKind: "retrigger", rerunOf: null });
    expect(h.state.tasks.b).toMatchObject({ attempt: 2, retryKind: "retrigger", rerunOf: null });
  });

  it("a downstream task skipped by the failure starts as a first attempt, after the rerun succeeds", () => {
    const h = new Harness([task("gh", { nativeRerun: "rerun_failed" }), task("after", { dependsOn: ["gh"] })]);
    h.send({ type: "run.start" });
    failInTool(h, "gh", "poll", "4242");
    h.send({ type: "run.retry" });
    expect(h.state.tasks.gh).toMatchObject({ retryKind: "rerun_failed", rerunOf: { externalId: "4242" } });
    h.ok("gh");
    expect(h.state.tasks.after).toMatchObject({ status: "queued", attempt: 1, retryKind: null });
  });
});
