import { describe, expect, it } from "vitest";
import { IdCache } from "../../worker/lineage/ids";
import { assertionsOf, columnLineageOf, mergeFacets, outputStatisticsOf, parentOf, schemaFieldsOf } from "../../worker/lineage/openlineage-facets";
import { parseOpenLineageEvent, runStateOf, type OLEvent } from "../../worker/lineage/openlineage";
import { eventDedupeKey, planOpenLineageEvent } from "../../worker/lineage/openlineage-plan";
import { LineagePlan } from "../../worker/lineage/plan";
import { parseTimestamp } from "../../worker/lineage/timestamp";
import { acceptedEventFiles, appleFiles, incompleteEventFiles, openLineageFixtures } from "../helpers/lineage-fixtures";

const parse = (file: string) => parseOpenLineageEvent(JSON.parse(openLineageFixtures[file]));
const ok = (file: string): OLEvent => {
  const r = parse(file);
  if (!r.ok) throw new Error(`${file}: ${JSON.stringify(r.errors)}`);
  return r.event;
};

describe("OpenLineage events: every fixture", () => {
  const expectedKind: Record<string, OLEvent["kind"]> = {
    "openlineage/serde_example_dataset_event.json": "dataset",
    "openlineage/marquez_event_dataset_event.json": "dataset",
    "openlineage/serde_example_job_event.json": "job",
    "openlineage/marquez_event_job_event.json": "job",
  };

  it.each(acceptedEventFiles)("accepts %s and detects its kind from the structure", (file) => {
    expect(ok(file).kind).toBe(expectedKind[file] ?? "run");
  });

  it.each(incompleteEventFiles.filter((f) => !f.endsWith("dbt_duckdb_result.json")))("rejects %s, naming what is missing", (file) => {
    const r = parse(file);
    expect(r.ok).toBe(false);
    const paths = r.ok ? [] : r.errors.map((e) => e.path);
    // Each lacks eventTime, producer or run.runId, or carries a placeholder where a timestamp or uuid belongs.
    expect(paths.some((p) => ["eventTime", "producer", "run.runId"].includes(p))).toBe(true);
  });

  it("rejects each event of the dbt integration's expected output (no eventTime, producer or runId)", () => {
    const events = JSON.parse(openLineageFixtures["openlineage/incomplete/dbt_duckdb_result.json"]);
    expect(parseOpenLineageEvent(events)).toEqual({ ok: false, errors: [{ path: "(root)", message: "expected an event object, got array" }] });
    for (const e of events) {
      const r = parseOpenLineageEvent(e);
      expect(r.ok ? [] : r.errors.map((x) => x.path)).toEqual(["eventTime", "producer", "run.runId"]);
    }
  });

  it("reads a Flink placeholder timestamp as invalid, not as a date", () => {
    const r = parse("openlineage/incomplete/flink1_expected_kafka.json");
    expect(r.ok ? [] : r.errors).toContainEqual({ path: "eventTime", message: "not an ISO-8601 date-time" });
  });

  it("keeps unknown facets and unicode names as sent", () => {
    const full = ok("openlineage/marquez_event_full.json");
    expect(full.kind === "run" && Object.keys(full.run.facets)).toEqual(["nominalTime", "parent", "additionalProp1", "additionalProp2", "additionalProp3"]);
    const unicode = ok("openlineage/marquez_event_unicode.json");
    expect(unicode.kind === "run" && unicode.job.name).toBe("myjob.buggy_task🕷");
  });

  it("tolerates a missing schemaURL and eventType", () => {
    const e = ok("openlineage/marquez_event_required_only.json");
    expect(e.eventType).toBeNull();
    expect(ok("openlineage/marquez_event_without_schema_url.json").schemaURL).toBeNull();
  });
});

describe("OpenLineage events: strict where it matters", () => {
  const base = JSON.parse(openLineageFixtures["openlineage/marquez_event_simple.json"]);
  const paths = (value: unknown) => {
    const r = parseOpenLineageEvent(value);
    return r.ok ? [] : r.errors.map((e) => `${e.path}: ${e.message}`);
  };

  it("names every bad field at once", () => {
    expect(paths({ ...base, eventTime: 5, producer: "", run: { runId: 7 }, job: { namespace: "", name: ["x"] } })).toEqual([
      "eventTime: expected a string, got number",
      "producer: must not be empty",
      "run.runId: expected a string, got number",
      "job.namespace: must not be empty",
      "job.name: expected a string, got array",
    ]);
  });

  it("requires run, job or dataset", () => {
    expect(paths({ eventTime: base.eventTime, producer: base.producer })).toEqual([
      "job: required: a RunEvent has run and job, a JobEvent has job, a DatasetEvent has dataset",
    ]);
  });

  it("checks inputs, outputs and facets by path", () => {
    expect(paths({ ...base, inputs: [{ namespace: "a", name: "b", facets: { schema: "x" } }, 3], outputs: {} })).toEqual([
      "inputs[0].facets.schema: a facet must be an object, got string",
      "inputs[1]: expected an object, got number",
      "outputs: expected an array, got object",
    ]);
  });

  it("a DatasetEvent must not carry a job", () => {
    expect(paths({ eventTime: base.eventTime, producer: "p", dataset: { namespace: "n", name: "d" }, job: { namespace: "n", name: "j" } })).toEqual([
      "job: a DatasetEvent must not carry a job",
    ]);
  });
});

describe("timestamps", () => {
  it("reads a time without a zone as UTC", () => {
    expect(parseTimestamp("2020-12-28T19:51:01.641499")).toBe(Date.UTC(2020, 11, 28, 19, 51, 1, 641));
  });
  it("truncates nanoseconds to milliseconds", () => {
    expect(parseTimestamp("2020-12-28T19:51:01.641499999Z")).toBe(Date.UTC(2020, 11, 28, 19, 51, 1, 641));
  });
  it("applies offsets with and without a colon", () => {
    expect(parseTimestamp("2020-12-28T19:52:00.001+10:00")).toBe(Date.UTC(2020, 11, 28, 9, 52, 0, 1));
    expect(parseTimestamp("2020-12-28T19:52:00-0530")).toBe(Date.UTC(2020, 11, 29, 1, 22, 0, 0));
  });
  it("rejects placeholders and impossible dates", () => {
    for (const bad of ["${json-unit.any-string}", "2021-02-30T00:00:00Z", "2021-13-01T00:00:00Z", "yesterday", "2021-01-01T25:00:00Z", ""])
      expect(parseTimestamp(bad), bad).toBeNull();
  });
  it("accepts a date alone and a space for T", () => {
    expect(parseTimestamp("2020-01-01")).toBe(Date.UTC(2020, 0, 1));
    expect(parseTimestamp("2020-01-01 10:00:00")).toBe(Date.UTC(2020, 0, 1, 10));
  });
});

describe("facets", () => {
  it("same-name facets replace completely; _deleted removes job and dataset facets only", () => {
    const a = { schema: { fields: [{ name: "a" }], extra: 1 }, docs: { description: "x" } };
    expect(mergeFacets(a, { schema: { fields: [{ name: "b" }] } }, true)).toEqual({ schema: { fields: [{ name: "b" }] }, docs: { description: "x" } });
    expect(mergeFacets(a, { docs: { _deleted: true } }, true)).toEqual({ schema: a.schema });
    expect(mergeFacets(a, { docs: { _deleted: true } }, false)).toEqual({ ...a, docs: { _deleted: true } });
  });

  it("reads the standard facets", () => {
    const full = ok("openlineage/example_full_event.json");
    if (full.kind !== "run") throw new Error("run event expected");
    expect(parentOf(full.run.facets)).toEqual({ runId: "3f5e83fa-3480-44ff-99c5-ff943904e5e8", namespace: "my-scheduler-namespace", name: "myjob.mytask" });
    expect(assertionsOf(full.inputs[0]).map((a) => [a.assertion, a.success, a.column])).toEqual([
      ["row_count_equal_to", true, null],
      ["no_null_values", true, "id"],
    ]);
    expect(outputStatisticsOf(full.outputs[0].ioFacets)).toEqual({ rowCount: 2000, bytes: 2097152, fileCount: null });
    expect(schemaFieldsOf(full.outputs[0].facets)).toEqual([{ name: "column1", type: "VARCHAR", description: "string" }]);
  });

  it("reads column lineage, skipping inputs without a namespace unless one is given", () => {
    const spark = JSON.parse(openLineageFixtures["openlineage/incomplete/spark_expected_columnLineageSingleInputComplete.json"]);
    const facets = spark.outputs[0].facets;
    expect(columnLineageOf(facets)).toEqual([]);
    const withNs = columnLineageOf(facets, "hive");
    expect(withNs.map((f) => `${f.inputs[0].name}.${f.inputs[0].field} → ${f.field}`)).toEqual([
      "test.ol_clients.client_name → client_name",
      "test.ol_clients.client_category → client_category",
      "test.ol_clients.client_rating → client_rating",
    ]);
  });

  it("maps event types to run states, keeping unknown ones out of the state", () => {
    expect(["START", "RUNNING", "COMPLETE", "FAIL", "ABORT", "OTHER", "RESUMED", null].map(runStateOf)).toEqual([
      "running",
      "running",
      "succeeded",
      "failed",
      "cancelled",
      null,
      null,
      null,
    ]);
  });
});

describe("planning writes", () => {
  it("the apples chain becomes datasets, jobs and input/output edges", async () => {
    const plan = new LineagePlan();
    const ids = new IdCache("tnt_test");
    for (const f of appleFiles) {
      const event = ok(f);
      await planOpenLineageEvent(
        plan,
        ids,
        { event, body: openLineageFixtures[f], dedupeKey: await eventDedupeKey(event, openLineageFixtures[f]), eventId: `olev_${f}` },
        { ownerTeamId: "team_a" },
      );
    }
    expect([...plan.datasets.values()].map((d) => d.name).sort()).toEqual([
      "apple.cider",
      "apple.filling",
      "apple.pie",
      "apple.vinegar",
      "apples",
      "cinnamon",
      "crab.apples",
      "red.delicious",
      "sugar",
    ]);
    expect([...plan.jobs.values()].map((j) => j.name).sort()).toEqual([
      "gather_apples",
      "prepare_apple_cider",
      "prepare_apple_filling",
      "prepare_apple_pie",
      "prepare_vinegar",
    ]);
    // gather 3, filling 4, cider 3, vinegar 2, pie 2.
    expect(plan.edges.size).toBe(14);
    expect(plan.runs).toHaveLength(8);
    expect(plan.events).toHaveLength(8);
    const apples = [...plan.datasets.values()].find((d) => d.name === "apples")!;
    // Written by two completed runs of gather_apples: the later one wins.
    expect(apples.lastWriteAt).toBe(Date.parse("2020-10-15T13:00:00.000+10:00"));
  });

  it("derived ids do not depend on the order of discovery, and differ per tenant", async () => {
    const a = await new IdCache("tnt_a").dataset("ns", "name");
    expect(await new IdCache("tnt_a").dataset("ns", "name")).toBe(a);
    expect(await new IdCache("tnt_b").dataset("ns", "name")).not.toBe(a);
    expect(a).toMatch(/^ds_[0-9a-z]{20}$/);
  });

  it("a retry has the same dedupe key; a different body does not", async () => {
    const text = openLineageFixtures["openlineage/marquez_event_simple.json"];
    const event = ok("openlineage/marquez_event_simple.json");
    const key = await eventDedupeKey(event, text);
    expect(await eventDedupeKey(event, text)).toBe(key);
    expect(await eventDedupeKey(event, text.replace("input-2", "input-3"))).not.toBe(key);
  });
});
