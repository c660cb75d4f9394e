import { describe, expect, it } from "vitest";
import type { RunDetail } from "../../../api/schema";
import { runLines } from "../../../cli/run-view";

type Task = RunDetail["tasks"][number];
type Attempt = Task["attempts"][number];

const attempt = (n: number, status: string, retry_kind: Attempt["retry_kind"]): Attempt => ({
  attempt: n,
  status,
  external_id: null,
  external_url: null,
  error: null,
  outputs: null,
  retry_kind,
  queued_at: null,
  started_at: null,
  finished_at: null,
});

function run(tasks: Array<Pick<Task, "key" | "status" | "attempt" | "attempts">>): RunDetail {
  return {
    id: "run_1",
    pipeline: { id: "pl_1", name: "nightly" },
    team_id: "team_1",
    version: 1,
    status: "succeeded",
    attempt: 2,
    trigger: { kind: "manual", by: null, ref: null },
    params: {},
    logical_at: null,
    backfill_id: null,
    environment: "prod",
    ci: null,
    reason: null,
    queued_at: "2026-03-12T06:00:00.000Z",
    started_at: null,
    finished_at: null,
    duration_ms: null,
    tasks: tasks.map((t) => ({
      connector: "dbt_cloud",
      connection: "dbt",
      depends_on: [],
      external_id: null,
      external_url: null,
      error: null,
      reason: null,
      no_new_data: false,
      outputs: null,
      queued_at: null,
      started_at: null,
      finished_at: null,
      ...t,
    })),
  };
}

describe("tutti status lines", () => {
  it("name a task's attempt as the tool's own rerun when it is one, and only the attempt number when it was triggered again", () => {
    const lines = runLines(
      run([
        { key: "build", status: "succeeded", attempt: 2, attempts: [attempt(1, "failed", null), attempt(2, "succeeded", "rerun_failed")] },
        { key: "etl", status: "succeeded", attempt: 2, attempts: [attempt(1, "failed", null), attempt(2, "succeeded", "repair")] },
        { key: "plain", status: "succeeded", attempt: 2, attempts: [attempt(1, "failed", null), attempt(2, "succeeded", "retrigger")] },
        { key: "first", status: "succeeded", attempt: 1, attempts: [attempt(1, "succeeded", null)] },
      ]),
    );
    expect(lines.slice(1)).toEqual([
      "  succeeded    build (attempt 2, rerun of failed)",
      "  succeeded    etl (attempt 2, repair)",
      "  succeeded    plain (attempt 2)",
      "  succeeded    first",
    ]);
  });
});
