import { describe, expect, it } from "vitest";
import {
  NOT_RUN,
  arrangeNodes,
  cronInWords,
  datasetIdOf,
  describeFreshnessPolicy,
  durationInput,
  durationInWords,
  flattenSchema,
  mergeRawEvents,
  neighbourJobs,
  nodeStatuses,
  qualityMessage,
  resultCountsText,
} from "../../../web/src/lib/catalog-model";
import type { DbtNode, LineageGraph, LineageNode, RawLineageEvent } from "../../../web/src/lib/api/types";

const node = (name: string, result?: { status: string; execution_seconds?: number | null; completed_at?: string }): DbtNode => ({
  unique_id: `model.shop.${name}`,
  resource_type: "model",
  name,
  package_name: "shop",
  path: `models/${name}.sql`,
  materialized: "table",
  node_id: `ds_${name}`,
  defined: true,
  description: null,
  tags: [],
  tested_node_ids: [],
  test_column: null,
  last_result: result
    ? {
        status: result.status,
        started_at: null,
        completed_at: result.completed_at ?? null,
        execution_seconds: result.execution_seconds ?? null,
        upload_id: "dbtu_1",
      }
    : null,
});

const event = (id: string, at: string): RawLineageEvent => ({
  id,
  kind: "run",
  event_type: "COMPLETE",
  event_time: at,
  received_at: at,
  producer: "p",
  size_bytes: 10,
  event: {},
});

describe("freshness policy in words", () => {
  it("reads common deadlines as a person would say them", () => {
    expect(cronInWords("0 7 * * 1-5")).toBe("by 07:00 on weekdays");
    expect(cronInWords("30 6,18 * * *")).toBe("by 06:30 and 18:30 every day");
    expect(cronInWords("15 * * * *")).toBe("by :15 past every hour");
    expect(cronInWords("0 9 * * 6,0")).toBe("by 09:00 at weekends");
    expect(cronInWords("0 9 * * 5,1,3")).toBe("by 09:00 on Mon, Wed, Fri");
    expect(cronInWords("0 9 * * 0-6")).toBe("by 09:00 every day");
    expect(cronInWords("0 8 1 * *")).toBe("by 08:00 on day 1 of the month");
    expect(cronInWords("0 8 * 1,7 1")).toBe("by 08:00 on Mon in Jan, Jul");
  });

  it("gives up on forms it cannot say plainly rather than saying something wrong", () => {
    expect(cronInWords("*/15 * * * *")).toBeNull();
    expect(cronInWords("0 */2 * * *")).toBeNull();
    expect(cronInWords("0 7 1 * 1")).toBeNull();
    expect(cronInWords("0 7 * *")).toBeNull();
    expect(cronInWords("0 25 * * *")).toBeNull();
  });

  it("describes the whole policy, falling back to the cron itself", () => {
    expect(describeFreshnessPolicy({ cron: "0 7 * * 1-5", timezone: "Europe/London", max_age_seconds: 86400 })).toBe(
      "Updated by 07:00 on weekdays (Europe/London), at most 24 hours old at each deadline.",
    );
    expect(describeFreshnessPolicy({ cron: "*/30 * * * *", timezone: "UTC", max_age_seconds: 5400 })).toBe(
      "Updated by each time of the schedule */30 * * * * (UTC), at most 90 minutes old at each deadline.",
    );
  });

  it("writes durations in words and back in the API's form", () => {
    expect(durationInWords(86400)).toBe("24 hours");
    expect(durationInWords(2 * 86400)).toBe("2 days");
    expect(durationInWords(3600)).toBe("1 hour");
    expect(durationInWords(90)).toBe("90 seconds");
    expect(durationInput(86400)).toBe("1d");
    expect(durationInput(5400)).toBe("90m");
    expect(durationInput(7200)).toBe("2h");
    expect(durationInput(45)).toBe("45s");
  });
});

describe("dbt nodes", () => {
  const nodes = [
    node("orders", { status: "success", execution_seconds: 2.5, completed_at: "2026-03-01T10:00:00Z" }),
    node("customers", { status: "error", execution_seconds: 9, completed_at: "2026-03-01T09:00:00Z" }),
    node("payments", { status: "success", execution_seconds: null, completed_at: "2026-03-01T11:00:00Z" }),
    node("archive"),
  ];

  it("lists the statuses present, most common first, never-run last", () => {
    expect(nodeStatuses(nodes)).toEqual(["success", "error", NOT_RUN]);
    expect(nodeStatuses(nodes.slice(0, 2))).toEqual(["error", "success"]);
  });

  it("filters by last status, including nodes that never ran", () => {
    expect(arrangeNodes(nodes, "success", "name").map((n) => n.name)).toEqual(["orders", "payments"]);
    expect(arrangeNodes(nodes, NOT_RUN, "name").map((n) => n.name)).toEqual(["archive"]);
    expect(arrangeNodes(nodes, "", "name").map((n) => n.name)).toEqual(["archive", "customers", "orders", "payments"]);
  });

  it("orders by execution time with untimed nodes last, or by most recent completion", () => {
    expect(arrangeNodes(nodes, "", "slowest").map((n) => n.name)).toEqual(["customers", "orders", "archive", "payments"]);
    expect(arrangeNodes(nodes, "", "recent").map((n) => n.name)).toEqual(["payments", "orders", "customers", "archive"]);
    // The input is left as it was.
    expect(nodes.map((n) => n.name)).toEqual(["orders", "customers", "payments", "archive"]);
  });

  it("maps dataset nodes to their dataset page and tests/jobs to none", () => {
    expect(datasetIdOf({ node_id: "ds_abc" })).toBe("ds_abc");
    expect(datasetIdOf({ node_id: "job_abc" })).toBeNull();
  });

  it("summarises run result counts", () => {
    expect(resultCountsText({ success: 12, error: 1, skipped: 2, warn: 0 })).toBe("12 success · 2 skipped · 1 error");
    expect(resultCountsText({})).toBe("");
  });
});

describe("dataset page helpers", () => {
  it("says what a quality result's details say", () => {
    expect(qualityMessage({ unique_id: "test.x", dbt_status: "fail", failures: 3, message: "Got 3 results, configured to fail if != 0" })).toBe(
      "Got 3 results, configured to fail if != 0 — 3 failing rows",
    );
    expect(qualityMessage({ failures: 1 })).toBe("1 failing row");
    expect(qualityMessage({ params: { min: 0, values: ["a", "b"] } })).toBe('min=0, values=["a","b"]');
    expect(qualityMessage({ message: "ok", params: { min: 0 } })).toBe("ok");
    expect(qualityMessage({ failures: 0, message: null })).toBe("");
  });

  it("flattens nested schema fields after their parent with dotted paths", () => {
    const rows = flattenSchema([
      { name: "id", type: "INT64", description: null },
      {
        name: "address",
        type: "STRUCT",
        description: "home",
        fields: [{ name: "city", type: "STRING", description: null, fields: [{ name: "code", type: "STRING", description: null }] }],
      },
      { name: "total", type: "NUMERIC", description: null },
    ]);
    expect(rows.map((r) => [r.path, r.depth])).toEqual([
      ["id", 0],
      ["address", 0],
      ["address.city", 1],
      ["address.city.code", 2],
      ["total", 0],
    ]);
  });

  it("merges dataset and run events newest first, each once, remembering where it was found", () => {
    const merged = mergeRawEvents(
      [event("e1", "2026-03-01T10:00:00Z")],
      [
        { runId: "jrun_a", jobName: "load", role: "output", events: [event("e2", "2026-03-01T11:00:00Z"), event("e3", "2026-03-01T09:00:00Z")] },
        { runId: "jrun_a", jobName: "load", role: "input", events: [event("e2", "2026-03-01T11:00:00Z")] },
      ],
    );
    expect(merged.map((e) => e.id)).toEqual(["e2", "e1", "e3"]);
    expect(merged[0].via).toEqual({ kind: "run", runId: "jrun_a", jobName: "load", role: "output" });
    expect(merged[1].via).toEqual({ kind: "dataset" });
  });
});

describe("a dataset's neighbourhood", () => {
  const n = (id: string, type: "dataset" | "job", depth: number): LineageNode => ({
    id,
    type,
    namespace: "wh",
    name: id,
    kind: type,
    owner_team: null,
    depth,
    last_write_at: null,
    last_run_state: null,
    failing_checks: 0,
  });
  const graph = (nodes: LineageNode[], edges: Array<[string, string]>): LineageGraph => ({
    root: "root",
    direction: "upstream",
    depth: 2,
    truncated: false,
    nodes,
    edges: edges.map(([from, to]) => ({ from, to, kind: "x" })),
  });

  it("upstream: each job that writes the dataset with the datasets it reads, by name", () => {
    const up = graph(
      [n("root", "dataset", 0), n("load", "job", 1), n("b_raw", "dataset", 2), n("a_raw", "dataset", 2), n("build", "job", 1)],
      [
        ["load", "root"],
        ["build", "root"],
        ["b_raw", "load"],
        ["a_raw", "load"],
      ],
    );
    expect(neighbourJobs(up).map((j) => [j.job.id, j.datasets.map((d) => d.id)])).toEqual([
      ["build", []],
      ["load", ["a_raw", "b_raw"]],
    ]);
  });

  it("downstream: each job that reads the dataset with the datasets it writes, each once", () => {
    const down = graph(
      [n("root", "dataset", 0), n("report", "job", 1), n("mart", "dataset", 2)],
      [
        ["root", "report"],
        ["report", "mart"],
        ["report", "mart"],
      ],
    );
    expect(neighbourJobs(down)).toEqual([{ job: expect.objectContaining({ id: "report" }), datasets: [expect.objectContaining({ id: "mart" })] }]);
  });
});
