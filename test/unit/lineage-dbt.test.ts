import { describe, expect, it } from "vitest";
import { readManifest, readRunResults } from "../../worker/ingest/dbt-read";
import { manifestGraph } from "../../worker/lineage/dbt-graph";
import { parseManifest, type ParsedManifest } from "../../worker/lineage/dbt-manifest";
import { planDbtManifest, planDbtRunResults, qualityStatusOf, type DbtNodeRef, type DbtTarget } from "../../worker/lineage/dbt-plan";
import { normaliseDbtStatus, parseRunResults, type ParsedRunResults } from "../../worker/lineage/dbt-run-results";
import { IdCache } from "../../worker/lineage/ids";
import { LineagePlan } from "../../worker/lineage/plan";
import { dbtFixture, openLineageFixtures } from "../helpers/lineage-fixtures";

const manifests = ["duckdb-1.8/manifest.json", "bigquery-1.9/manifest.json", "older/manifest_v10.json"];
const runResultsFiles = ["duckdb-1.8/run_results.json", "bigquery-1.9/run_results.json", "older/run_results_v5.json", "older/run_results_v4.json"];

function manifestOf(path: string): ParsedManifest {
  const r = parseManifest(JSON.parse(dbtFixture(path)));
  if (!r.ok) throw new Error(`${path}: ${JSON.stringify(r.errors)}`);
  return r.manifest;
}

function runResultsOf(path: string): ParsedRunResults {
  const r = parseRunResults(JSON.parse(dbtFixture(path)));
  if (!r.ok) throw new Error(`${path}: ${JSON.stringify(r.errors)}`);
  return r.runResults;
}

const target = (adapterNs = "bigquery"): DbtTarget => ({
  projectId: "dbtp_test",
  project: "jaffle",
  environment: "prod",
  namespace: adapterNs,
  ownerTeamId: "team_a",
});

describe("dbt manifest", () => {
  it.each(manifests)("%s: the graph is exactly parent_map", (path) => {
    const raw = JSON.parse(dbtFixture(path));
    const graph = manifestGraph(manifestOf(path));
    const ids = new Set<string>([...Object.keys(raw.parent_map), ...Object.values<string[]>(raw.parent_map).flat(), ...Object.keys(raw.nodes)]);
    const pairs = new Set(Object.entries<string[]>(raw.parent_map).flatMap(([child, parents]) => parents.map((p) => `${p}>${child}`)));
    expect(graph.ids.length).toBe(ids.size);
    expect(new Set(graph.edges.map(([p, c]) => `${p}>${c}`))).toEqual(pairs);
  });

  it("reads versions and metadata", () => {
    expect(manifestOf("duckdb-1.8/manifest.json").metadata).toMatchObject({
      schemaVersion: 12,
      dbtVersion: "1.8.9",
      adapterType: "duckdb",
      projectName: "jaffle_shop",
    });
    expect(manifestOf("older/manifest_v10.json").metadata).toMatchObject({ schemaVersion: 10, dbtVersion: "1.6.0", adapterType: "bigquery" });
  });

  it("reads model columns, descriptions, owners and test attachments", () => {
    const m = manifestOf("duckdb-1.8/manifest.json");
    const customers = m.nodes.get("model.jaffle_shop.customers")!;
    expect(customers).toMatchObject({
      resourceType: "model",
      database: "jaffle_shop",
      schema: "main",
      identifier: "customers",
      materialized: "table",
      owner: "data-team",
    });
    expect(customers.columns.map((c) => c.name)).toContain("customer_id");
    const bq = manifestOf("bigquery-1.9/manifest.json");
    expect(bq.nodes.get("test.jaffle_shop.unique_customers_customer_id.c5af1ff4b1")).toMatchObject({
      attachedNode: "model.jaffle_shop.customers",
      columnName: "customer_id",
      testName: "unique",
    });
  });

  it("checks a v12 manifest's required keys, and reads older ones leniently", () => {
    const v12 = JSON.parse(dbtFixture("duckdb-1.8/manifest.json"));
    delete v12.sources;
    delete v12.nodes["model.jaffle_shop.customers"].checksum;
    const r = parseManifest(v12);
    expect(r.ok ? [] : r.errors.map((e) => e.path)).toEqual(['manifest.nodes["model.jaffle_shop.customers"].checksum', "manifest.sources"]);
    const v10 = JSON.parse(dbtFixture("older/manifest_v10.json"));
    delete v10.semantic_models;
    delete v10.nodes[Object.keys(v10.nodes)[0]].checksum;
    expect(parseManifest(v10).ok).toBe(true);
  });

  it("refuses other artifacts and broken entries, naming the path", () => {
    const notManifest = parseManifest(JSON.parse(dbtFixture("duckdb-1.8/run_results.json")));
    expect(notManifest.ok ? null : notManifest.errors[0]).toEqual({
      path: "manifest.metadata.dbt_schema_version",
      message: "this is a run-results v6 artifact, not a manifest",
    });
    const m = JSON.parse(dbtFixture("older/manifest_v10.json"));
    m.nodes["model.jaffle_shop.orders"].name = 5;
    m.parent_map["model.jaffle_shop.orders"] = "nope";
    const r = parseManifest(m);
    expect(r.ok ? [] : r.errors).toEqual([
      { path: 'manifest.nodes["model.jaffle_shop.orders"].name', message: "expected a string, got number" },
      { path: 'manifest.parent_map["model.jaffle_shop.orders"]', message: "expected an array of unique ids" },
    ]);
  });

  it("falls back to depends_on when parent_map is null", () => {
    const m = JSON.parse(dbtFixture("bigquery-1.9/manifest.json"));
    const withMap = manifestGraph(manifestOf("bigquery-1.9/manifest.json"));
    m.parent_map = null;
    const r = parseManifest(m);
    if (!r.ok) throw new Error("expected ok");
    const fallback = manifestGraph(r.manifest);
    expect(new Set(fallback.edges.map((e) => e.join(">")))).toEqual(new Set(withMap.edges.map((e) => e.join(">"))));
  });

  it("the streaming reader sees the same manifest as the in-memory one, for every fixture", async () => {
    for (const path of manifests) {
      const text = dbtFixture(path);
      const streamed = await readManifest(text);
      const inMemory = parseManifest(JSON.parse(text));
      if (!streamed.parsed.ok || !inMemory.ok) throw new Error(`${path} did not parse`);
      expect(streamed.parsed.manifest.metadata).toEqual(inMemory.manifest.metadata);
      expect([...streamed.parsed.manifest.nodes.entries()]).toEqual([...inMemory.manifest.nodes.entries()]);
      expect(streamed.parsed.manifest.parentMap).toEqual(inMemory.manifest.parentMap);
      expect(streamed.stored.bytes).toBe(new TextEncoder().encode(text).length);
    }
  });

  it("the streaming reader reports malformed JSON and v12 keys it never materialised", async () => {
    await expect(readManifest('{"metadata": {')).rejects.toMatchObject({ code: "validation_failed", details: [{ path: "manifest" }] });
    const v12 = JSON.parse(dbtFixture("duckdb-1.8/manifest.json"));
    delete v12.macros;
    const r = await readManifest(JSON.stringify(v12));
    expect(r.parsed.ok ? [] : r.parsed.errors.map((e) => e.path)).toEqual(["manifest.macros"]);
  });
});

describe("dbt run_results", () => {
  it.each(runResultsFiles)("%s: every result is read", (path) => {
    const raw = JSON.parse(dbtFixture(path));
    const rr = runResultsOf(path);
    expect(rr.results.map((r) => r.status)).toEqual(raw.results.map((r: any) => r.status));
    expect(rr.command).toBe(raw.args.which);
  });

  it("reads timing, rows, bytes billed and query ids", () => {
    const rr = runResultsOf("bigquery-1.9/run_results.json");
    const raw = JSON.parse(dbtFixture("bigquery-1.9/run_results.json")).results.find((r: any) => r.unique_id === "model.jaffle_shop.customers");
    const customers = rr.results.find((r) => r.uniqueId === "model.jaffle_shop.customers")!;
    expect(customers).toMatchObject({
      bytesBilled: raw.adapter_response.bytes_billed,
      bytesProcessed: raw.adapter_response.bytes_processed,
      rowsAffected: raw.adapter_response.rows_affected ?? null,
      queryId: raw.adapter_response.job_id,
      startedAt: Date.parse(raw.timing.find((t: any) => t.name === "execute").started_at),
    });
    const v4 = runResultsOf("older/run_results_v4.json");
    expect(v4.metadata.schemaVersion).toBe(4);
    expect(v4.results.find((r) => r.uniqueId === "seed.jaffle_shop.raw_customers")?.rowsAffected).toBe(100);
  });

  it("the streaming reader matches the in-memory one", async () => {
    for (const path of runResultsFiles) {
      const text = dbtFixture(path);
      const streamed = await readRunResults(text);
      if (!streamed.parsed.ok) throw new Error(path);
      expect(streamed.parsed.runResults).toEqual(runResultsOf(path));
    }
  });

  it("refuses a manifest given as run_results", () => {
    const r = parseRunResults(JSON.parse(dbtFixture("duckdb-1.8/manifest.json")));
    expect(r.ok ? null : r.errors[0].path).toBe("run_results.metadata.dbt_schema_version");
  });

  it("maps statuses, keeping anything unknown from looking green", () => {
    expect(
      ["success", "error", "skipped", "partial success", "no-op", "reused", "pass", "fail", "warn", "runtime error", "new-thing"].map(normaliseDbtStatus),
    ).toEqual(["success", "error", "skipped", "success", "success", "success", "pass", "fail", "warn", "error", "other"]);
    expect(["pass", "warn", "fail", "error", "skipped", "new-thing"].map(qualityStatusOf)).toEqual(["pass", "warn", "fail", "error", "skipped", "error"]);
  });
});

describe("dbt → catalog plan", () => {
  it("names relations as the OpenLineage dbt integration does", async () => {
    const plan = new LineagePlan();
    await planDbtManifest(plan, new IdCache("tnt_test"), manifestOf("duckdb-1.8/manifest.json"), target("duckdb:///database/jaffle_shop.duckdb"), 0);
    const olOutputs = JSON.parse(openLineageFixtures["openlineage/incomplete/dbt_duckdb_result.json"]).flatMap((e: any) =>
      e.outputs.map((o: any) => `${o.namespace}|${o.name}`),
    );
    const names = [...plan.datasets.values()].map((d) => `${d.namespace}|${d.name}`);
    for (const o of olOutputs) expect(names).toContain(o);
  });

  it("models, seeds and sources become datasets, tests become jobs, edges keep their kinds", async () => {
    const plan = new LineagePlan();
    const result = await planDbtManifest(plan, new IdCache("tnt_test"), manifestOf("bigquery-1.9/manifest.json"), target(), 0);
    const kinds = new Set([...plan.datasets.values()].map((d) => d.kind));
    expect(kinds).toEqual(new Set(["model", "seed"]));
    expect(new Set([...plan.jobs.values()].map((j) => j.kind))).toEqual(new Set(["test", "operation"]));
    expect(result.edgeCount).toBe(60);
    const edgeKinds = new Set([...plan.edges.values()].map((e) => e.kind));
    expect(edgeKinds).toEqual(new Set(["derived", "input"]));
    const test = result.nodes.find((n) => n.uniqueId === "test.jaffle_shop.unique_customers_customer_id.c5af1ff4b1")!;
    const customers = result.nodes.find((n) => n.uniqueId === "model.jaffle_shop.customers")!;
    expect(test).toMatchObject({ testedNodeIds: [customers.nodeId], testColumn: "customer_id" });
  });

  it("a relationships test checks its attached model only", async () => {
    const plan = new LineagePlan();
    const result = await planDbtManifest(plan, new IdCache("tnt_test"), manifestOf("older/manifest_v10.json"), target(), 0);
    const rel = result.nodes.find((n) => n.uniqueId.startsWith("test.jaffle_shop.relationships_orders_customer_id"))!;
    const orders = result.nodes.find((n) => n.uniqueId === "model.jaffle_shop.orders")!;
    expect(rel.testedNodeIds).toEqual([orders.nodeId]);
  });

  it("run_results: freshness for written models, quality for tests, a failed run when a node errors", async () => {
    const ids = new IdCache("tnt_test");
    const plan = new LineagePlan();
    const manifest = await planDbtManifest(plan, ids, manifestOf("older/manifest_v10.json"), target(), 0);
    const refs = new Map<string, DbtNodeRef>(
      manifest.nodes.map((n) => [
        n.uniqueId,
        { nodeId: n.nodeId, resourceType: n.resourceType, name: n.name, testedNodeIds: n.testedNodeIds, testColumn: n.testColumn },
      ]),
    );
    const rrPlan = new LineagePlan();
    const out = await planDbtRunResults(rrPlan, ids, runResultsOf("older/run_results_v4.json"), refs, target(), { uploadId: "dbtu_1", now: 0, tutti: null });
    expect(out.counts).toEqual({ success: 8, pass: 20, error: 1 });
    expect(rrPlan.runs[0]).toMatchObject({ source: "dbt", state: "failed" });
    expect(rrPlan.runs[0].errorMessage).toMatch(/^model\./);
    expect(rrPlan.writes.size).toBe(8);
    expect([...rrPlan.quality.values()].every((q) => q.status === "pass" && q.source === "dbt")).toBe(true);
    expect(rrPlan.quality.size).toBe(20);
  });

  it("a Tutti task that ran dbt is linked to the models it built", async () => {
    const ids = new IdCache("tnt_test");
    const plan = new LineagePlan();
    const manifest = await planDbtManifest(plan, ids, manifestOf("duckdb-1.8/manifest.json"), target(), 0);
    const refs = new Map<string, DbtNodeRef>(
      manifest.nodes.map((n) => [
        n.uniqueId,
        { nodeId: n.nodeId, resourceType: n.resourceType, name: n.name, testedNodeIds: n.testedNodeIds, testColumn: n.testColumn },
      ]),
    );
    const rrPlan = new LineagePlan();
    await planDbtRunResults(rrPlan, ids, runResultsOf("duckdb-1.8/run_results.json"), refs, target(), {
      uploadId: "dbtu_1",
      now: 0,
      tutti: { runId: "run_abc", taskKey: "build_marts", pipeline: "daily_revenue" },
    });
    const customers = refs.get("model.jaffle_shop.customers")!.nodeId;
    expect(rrPlan.runs[0]).toMatchObject({ source: "tutti", externalId: "run_abc:build_marts", tuttiRunId: "run_abc", tuttiTaskKey: "build_marts" });
    const job = [...rrPlan.jobs.values()][0];
    expect(job).toMatchObject({ namespace: "tutti", name: "daily_revenue.build_marts" });
    expect([...rrPlan.edges.values()]).toEqual([{ from: job.id, to: customers, kind: "output", origin: "tutti" }]);
  });
});
