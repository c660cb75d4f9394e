import { describe, expect, it } from "vitest";
import { parseOpenLineageEvent, type OLEvent } from "../../worker/lineage/openlineage";
import { eventPolicy, MAX_EVENT_TIME_AHEAD_MS, refusedTuttiJobs } from "../../worker/lineage/openlineage-policy";

const NOW = Date.parse("2026-03-01T12:00:00Z");

function event(overrides: Record<string, unknown> = {}): OLEvent {
  const parsed = parseOpenLineageEvent({
    eventType: "COMPLETE",
    eventTime: "2026-03-01T12:00:00Z",
    producer: "https://example.com/p",
    run: { runId: "3f5e0b4e-1c2d-4e5f-8a9b-0c1d2e3f4a5b" },
    job: { namespace: "airflow", name: "dag.task" },
    ...overrides,
  });
  if (!parsed.ok) throw new Error(JSON.stringify(parsed.errors));
  return parsed.event;
}

describe("OpenLineage event policy", () => {
  it("refuses an eventTime more than the allowed skew ahead of now, and only that", () => {
    const at = (ms: number) => event({ eventTime: new Date(NOW + ms).toISOString() });
    expect(eventPolicy(at(MAX_EVENT_TIME_AHEAD_MS), NOW).problems).toEqual([]);
    expect(eventPolicy(at(MAX_EVENT_TIME_AHEAD_MS + 1), NOW).problems.map((p) => p.path)).toEqual(["eventTime"]);
    expect(eventPolicy(at(-365 * 86_400_000), NOW).problems).toEqual([]);
  });

  it("collects claims to Tutti's namespace as the job or the parent job, with the pipeline they name", () => {
    const parent = { parent: { run: { runId: "3f5e0b4e-1c2d-4e5f-8a9b-0c1d2e3f4a5c" }, job: { namespace: "tutti", name: "daily.load" } } };
    const e = event({ job: { namespace: "tutti", name: "nightly.build" }, run: { runId: "3f5e0b4e-1c2d-4e5f-8a9b-0c1d2e3f4a5b", facets: parent } });
    expect(eventPolicy(e, NOW).tuttiJobs).toEqual([
      { path: "job.namespace", pipeline: "nightly" },
      { path: "run.facets.parent.job.namespace", pipeline: "daily" },
    ]);
    expect(eventPolicy(event({ job: { namespace: " Tutti", name: "daily.load" } }), NOW).tuttiJobs).toEqual([{ path: "job.namespace", pipeline: null }]);
    expect(eventPolicy(event({ job: { namespace: "tutti", name: "daily" } }), NOW).tuttiJobs).toEqual([{ path: "job.namespace", pipeline: null }]);
    expect(eventPolicy(event(), NOW).tuttiJobs).toEqual([]);
  });

  it("accepts a claim only for an existing pipeline of a team the writer acts for", () => {
    const teams = new Map([["daily", "team_a"]]);
    const mine = (t: string) => t === "team_a";
    expect(refusedTuttiJobs([{ path: "job.namespace", pipeline: "daily" }], teams, mine)).toEqual([]);
    expect(refusedTuttiJobs([{ path: "job.namespace", pipeline: "daily" }], teams, () => false).map((d) => d.path)).toEqual(["job.namespace"]);
    expect(refusedTuttiJobs([{ path: "job.namespace", pipeline: "nope" }], teams, () => true)).toHaveLength(1);
    expect(refusedTuttiJobs([{ path: "run.facets.parent.job.namespace", pipeline: null }], teams, () => true).map((d) => d.path)).toEqual([
      "run.facets.parent.job.namespace",
    ]);
  });
});
