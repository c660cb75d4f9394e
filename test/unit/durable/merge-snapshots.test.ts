import { describe, expect, it } from "vitest";
import type { RunSnapshot } from "../../../worker/db/repo/runs/runs";
import { mergeSnapshots } from "../../../worker/durable/snapshot";

/** A snapshot of run `runId` at `seq` whose task rows, attempts and events are given by key → status. */
function snapshot(runId: string, seq: number, tasks: Record<string, string>, attempt = 1): RunSnapshot {
  const keys = Object.keys(tasks);
  return {
    run: { id: runId, seq, status: "running" } as RunSnapshot["run"],
    tasks: keys.map((taskKey) => ({ runId, taskKey, status: tasks[taskKey], seq }) as RunSnapshot["tasks"][number]),
    attempts: keys.map((taskKey) => ({ runId, taskKey, attempt, status: tasks[taskKey] }) as RunSnapshot["attempts"][number]),
    events: keys.map((taskKey, i) => ({ runId, seq: seq - keys.length + i + 1, taskKey, toStatus: tasks[taskKey] }) as RunSnapshot["events"][number]),
  };
}

describe("merging the write-through snapshots waiting in the outbox", () => {
  it("keeps one snapshot per run: its newest run row, the newest row of each task and attempt, and every event", () => {
    const merged = mergeSnapshots([
      snapshot("run_a", 2, { t1: "queued", t2: "pending" }),
      snapshot("run_a", 3, { t1: "succeeded" }),
      snapshot("run_a", 5, { t2: "queued", t3: "pending" }),
    ]);
    expect(merged).toHaveLength(1);
    const [a] = merged;
    expect(a.run.seq).toBe(5);
    expect(Object.fromEntries(a.tasks.map((t) => [t.taskKey, [t.status, t.seq]]))).toEqual({ t1: ["succeeded", 3], t2: ["queued", 5], t3: ["pending", 5] });
    expect(Object.fromEntries(a.attempts.map((t) => [t.taskKey, t.status]))).toEqual({ t1: "succeeded", t2: "queued", t3: "pending" });
    expect(a.events.map((e) => e.seq)).toEqual([1, 2, 3, 4, 5]);
  });

  it("keeps runs apart, and each attempt of a task as its own row", () => {
    const merged = mergeSnapshots([
      snapshot("run_a", 1, { t1: "failed" }, 1),
      snapshot("run_b", 1, { t1: "queued" }),
      snapshot("run_a", 2, { t1: "queued" }, 2),
    ]);
    expect(merged.map((m) => m.run.id)).toEqual(["run_a", "run_b"]);
    expect(merged[0].attempts.map((a) => [a.attempt, a.status])).toEqual([
      [1, "failed"],
      [2, "queued"],
    ]);
    expect(merged[1].tasks).toHaveLength(1);
  });

  it("a snapshot older than one already merged never takes back a run or task row", () => {
    const [a] = mergeSnapshots([snapshot("run_a", 4, { t1: "succeeded" }), snapshot("run_a", 3, { t1: "running" })]);
    expect([a.run.seq, a.tasks[0].status]).toEqual([4, "succeeded"]);
  });
});
