import { env } from "cloudflare:test";
import { workerFetch } from "../helpers/worker-fetch";
import { describe, expect, it } from "vitest";
import { api, BASE, expectError } from "../helpers/api";
import { createTeam, createToken } from "../helpers/fixtures";
import { withWriteHeldDuring, withWritesInFlightTogether } from "../helpers/in-flight";
import { lineageRowCounts, lineageTenant } from "../helpers/lineage";
import { dbtFixture, openLineageFixtures } from "../helpers/lineage-fixtures";
import { tenantD1 } from "../helpers/tenant-db";

/** Node and edge counts dbt itself records: every id in parent_map (keys and parents) and each parent → child pair. */
function parentMapCounts(manifestText: string) {
  const m = JSON.parse(manifestText);
  const ids = new Set<string>(Object.keys(m.parent_map));
  const pairs = new Set<string>();
  for (const [child, parents] of Object.entries<string[]>(m.parent_map)) {
    for (const p of parents) {
      ids.add(p);
      pairs.add(`${p}>${child}`);
    }
  }
  for (const id of Object.keys(m.nodes)) ids.add(id);
  return { nodes: ids.size, edges: pairs.size };
}

async function upload(token: string, fields: Record<string, string | Blob | undefined>, headers: Record<string, string> = {}) {
  const form = new FormData();
  for (const [k, v] of Object.entries(fields)) if (v !== undefined) form.append(k, v as never, typeof v === "string" ? undefined : `${k}.json`);
  const res = await workerFetch(`${BASE}/api/v1/dbt/artifacts`, { method: "POST", headers: { authorization: `Bearer ${token}`, ...headers }, body: form });
  const text = await res.text();
  return { status: res.status, json: text ? JSON.parse(text) : null, text };
}

const file = (text: string) => new Blob([text], { type: "application/json" });

async function gzip(text: string) {
  return new Blob([await new Response(new Blob([text]).stream().pipeThrough(new CompressionStream("gzip"))).arrayBuffer()]);
}

async function sha256(text: string) {
  const digest = await crypto.subtle.digest("SHA-256", new TextEncoder().encode(text));
  return [...new Uint8Array(digest)].map((b) => b.toString(16).padStart(2, "0")).join("");
}

async function allNodes(token: string, projectId: string) {
  const res = await api(`/dbt/projects/${projectId}/nodes?limit=1000`, { as: token });
  expect(res.status).toBe(200);
  return res.json.items as Array<{
    unique_id: string;
    node_id: string;
    resource_type: string;
    last_result: { status: string } | null;
    defined: boolean;
    test_column: string | null;
  }>;
}

describe("dbt artifacts: the fixture projects", () => {
  it("duckdb 1.8 (v12/v6, multipart): nodes and edges match parent_map; statuses and freshness land on the model", async () => {
    const { token, teamId } = await lineageTenant();
    const manifest = dbtFixture("duckdb-1.8/manifest.json");
    const res = await upload(token, {
      project: "jaffle",
      environment: "prod",
      manifest: file(manifest),
      run_results: file(dbtFixture("duckdb-1.8/run_results.json")),
    });
    expect(res.status, res.text).toBe(201);
    const expected = parentMapCounts(manifest);
    expect(res.json.project).toMatchObject({
      project: "jaffle",
      environment: "prod",
      node_count: expected.nodes,
      edge_count: expected.edges,
      adapter_type: "duckdb",
      dbt_project_name: "jaffle_shop",
      owner_team: { id: teamId },
    });
    expect(res.json.duplicate).toBe(false);
    expect(res.json.upload).toMatchObject({
      dbt_version: "1.8.9",
      invocations_match: true,
      manifest: { schema_version: 12 },
      run_results: { schema_version: 6, command: "run", result_counts: { success: 1 } },
    });

    const nodes = await allNodes(token, res.json.project.id);
    expect(nodes).toHaveLength(expected.nodes);
    const customers = nodes.find((n) => n.unique_id === "model.jaffle_shop.customers")!;
    expect(customers.last_result?.status).toBe("success");
    expect(nodes.find((n) => n.unique_id === "model.jaffle_shop.stg_customers")).toMatchObject({ defined: false, resource_type: "model" });

    // Same relation names as the OpenLineage dbt integration emits for this run.
    const olOutputs = JSON.parse(openLineageFixtures["openlineage/incomplete/dbt_duckdb_result.json"]).flatMap((e: any) => e.outputs.map((o: any) => o.name));
    const ds = await api(`/datasets/${customers.node_id}`, { as: token });
    expect(olOutputs).toContain(ds.json.name);
    expect(ds.json).toMatchObject({ namespace: "dbt://jaffle/prod", kind: "model", last_write_at: "2024-11-27T23:49:47.240Z" });
    expect(ds.json.schema.map((f: any) => f.name)).toContain("customer_id");
    expect(ds.json.description).toMatch(/basic information about a customer/);

    const runs = await api(`/datasets/${customers.node_id}/runs?role=output`, { as: token });
    expect(runs.json.items[0].run).toMatchObject({ source: "dbt", state: "succeeded" });
  });

  it("bigquery 1.9 (JSON form): 41 success and 20 pass land on the right nodes, with bytes billed and query ids", async () => {
    const { token } = await lineageTenant();
    const manifest = dbtFixture("bigquery-1.9/manifest.json");
    const runResults = dbtFixture("bigquery-1.9/run_results.json");
    const res = await api("/dbt/artifacts", {
      as: token,
      body: { project: "jaffle_bq", environment: "prod", manifest: JSON.parse(manifest), run_results: JSON.parse(runResults) },
    });
    expect(res.status, res.text).toBe(201);
    const expected = parentMapCounts(manifest);
    expect(res.json.project).toMatchObject({ node_count: expected.nodes, edge_count: expected.edges, namespace: "bigquery" });
    expect(res.json.upload.run_results.result_counts).toEqual({ success: 41, pass: 20 });

    const nodes = await allNodes(token, res.json.project.id);
    const rr = JSON.parse(runResults).results as Array<{ unique_id: string; status: string }>;
    for (const r of rr) expect(nodes.find((n) => n.unique_id === r.unique_id)?.last_result?.status, r.unique_id).toBe(r.status);

    const customers = nodes.find((n) => n.unique_id === "model.jaffle_shop.customers")!;
    const ds = await api(`/datasets/${customers.node_id}`, { as: token });
    expect(ds.json).toMatchObject({ namespace: "bigquery", name: "your-project.jaffle_shop.customers" });
    const quality = await api(`/datasets/${customers.node_id}/quality`, { as: token });
    const checks = quality.json.items.map((q: any) => `${q.check}:${q.column}:${q.status}`).sort();
    expect(checks).toContain("unique_customers_customer_id:customer_id:pass");
    expect(quality.json.items.every((q: any) => q.source === "dbt")).toBe(true);
    const testsOnCustomers = nodes.filter((n) => n.resource_type === "test" && JSON.parse(JSON.stringify(n)).tested_node_ids.includes(customers.node_id));
    expect(quality.json.items).toHaveLength(testsOnCustomers.length);

    const written = await api(`/datasets/${customers.node_id}/runs?role=output`, { as: token });
    const expectedBilled = JSON.parse(runResults).results.find((r: any) => r.unique_id === "model.jaffle_shop.customers").adapter_response;
    expect(written.json.items[0].facets).toMatchObject({ bytes_billed: expectedBilled.bytes_billed, query_id: expectedBilled.job_id });

    const graph = await api(`/lineage/graph?node=${customers.node_id}&direction=upstream&depth=1`, { as: token });
    const parents = JSON.parse(manifest).parent_map["model.jaffle_shop.customers"] as string[];
    expect(graph.json.edges.filter((e: any) => e.to === customers.node_id)).toHaveLength(parents.length);
    expect(graph.json.edges.every((e: any) => e.kind === "derived")).toBe(true);
  });

  it("older artifacts: manifest v10 with run_results v5 from another invocation, then run_results v4 alone", async () => {
    const { token } = await lineageTenant();
    const manifest = dbtFixture("older/manifest_v10.json");
    const res = await upload(token, {
      project: "legacy",
      environment: "prod",
      manifest: file(manifest),
      run_results: file(dbtFixture("older/run_results_v5.json")),
    });
    expect(res.status, res.text).toBe(201);
    const expected = parentMapCounts(manifest);
    expect(res.json.project).toMatchObject({ node_count: expected.nodes, edge_count: expected.edges });
    expect(res.json.upload).toMatchObject({ invocations_match: false, manifest: { schema_version: 10 }, run_results: { schema_version: 5 } });

    const v4 = await upload(token, { project: "legacy", environment: "prod", run_results: file(dbtFixture("older/run_results_v4.json")) });
    expect(v4.status, v4.text).toBe(201);
    expect(v4.json.upload).toMatchObject({ manifest: null, run_results: { schema_version: 4, result_counts: { pass: 20, success: 8, error: 1 } } });
    expect(v4.json.project.latest_manifest_upload_id).toBe(res.json.upload.id);
  });
});

describe("dbt artifacts: storage, retries and state", () => {
  it("the same files again are a duplicate; the manifest downloads byte for byte", async () => {
    const { s, token } = await lineageTenant();
    const manifest = dbtFixture("duckdb-1.8/manifest.json");
    const first = await upload(token, { project: "jaffle", environment: "prod", manifest: file(manifest) });
    const before = await lineageRowCounts(s.tenant.id);
    const again = await upload(token, { project: "jaffle", environment: "prod", manifest: await gzip(manifest) });
    expect(again.status).toBe(200);
    expect(again.json).toMatchObject({ duplicate: true, upload: { id: first.json.upload.id } });
    expect(await lineageRowCounts(s.tenant.id)).toEqual(before);

    const state = await api("/dbt/projects?project=jaffle&environment=prod", { as: token });
    const uploadId = state.json.items[0].latest_manifest_upload_id;
    const res = await workerFetch(`${BASE}/api/v1/dbt/uploads/${uploadId}/artifacts/manifest`, { headers: { authorization: `Bearer ${token}` } });
    expect(res.status).toBe(200);
    const text = await res.text();
    expect(text).toBe(manifest);
    expect(res.headers.get("x-content-sha256")).toBe(await sha256(manifest));
    expect(first.json.upload.manifest.sha256).toBe(await sha256(manifest));
    expectError(await api(`/dbt/uploads/${uploadId}/artifacts/run_results`, { as: token }), 404, "not_found");

    // The Slim CI state by project name, with an ETag a CI cache can send back.
    const state1 = await workerFetch(`${BASE}/api/v1/dbt/projects/jaffle/manifest?env=prod`, { headers: { authorization: `Bearer ${token}` } });
    expect(state1.status).toBe(200);
    expect(await state1.text()).toBe(manifest);
    const etag = state1.headers.get("etag")!;
    expect(etag).toBe(`"${await sha256(manifest)}"`);
    const state2 = await workerFetch(`${BASE}/api/v1/dbt/projects/jaffle/manifest?env=prod`, {
      headers: { authorization: `Bearer ${token}`, "if-none-match": etag },
    });
    expect(state2.status).toBe(304);
    expectError(await api("/dbt/projects/jaffle/manifest?env=ci", { as: token }), 404, "not_found");
  });

  it("stores a large manifest in R2 once per tenant under its content address, gzip, and streams it back byte for byte", async () => {
    const { s, token } = await lineageTenant();
    const m = JSON.parse(dbtFixture("bigquery-1.9/manifest.json"));
    // Incompressible padding: well past D1's 2 MB value limit even compressed, one object in R2.
    const bytes = new Uint8Array(2_500_000);
    for (let i = 0; i < bytes.length; i += 65536) crypto.getRandomValues(bytes.subarray(i, i + 65536));
    m.metadata.env = { padding: btoa(String.fromCharCode(...bytes.slice(0, 60000))) };
    for (let i = 0; i < 40; i++)
      m.docs[`doc.pad.${i}`] = { unique_id: `doc.pad.${i}`, block_contents: btoa(String.fromCharCode(...bytes.slice(i * 60000, (i + 1) * 60000))) };
    const text = JSON.stringify(m);
    const sha = await sha256(text);
    const res = await upload(token, { project: "big", environment: "prod", manifest: file(text) });
    expect(res.status, res.text).toBe(201);
    // The same manifest again with run_results is a new upload, and the manifest is not stored a second time.
    const again = await upload(token, {
      project: "big",
      environment: "prod",
      manifest: file(text),
      run_results: file(dbtFixture("bigquery-1.9/run_results.json")),
    });
    expect(again.status, again.text).toBe(201);
    const rows = await (await tenantD1(s.tenant.id))
      .prepare("SELECT manifest_blob_key AS m, manifest_sha256 AS sha, manifest_bytes AS n FROM dbt_uploads WHERE tenant_id = ?")
      .bind(s.tenant.id)
      .all<{ m: string; sha: string; n: number }>();
    expect(rows.results).toEqual([
      { m: `t/${s.tenant.id}/dbt-manifest/${sha}`, sha, n: new TextEncoder().encode(text).length },
      { m: `t/${s.tenant.id}/dbt-manifest/${sha}`, sha, n: new TextEncoder().encode(text).length },
    ]);
    const objects = (await env.BLOBS.list({ prefix: `t/${s.tenant.id}/` })).objects;
    expect(objects.map((o) => o.key)).toEqual([
      `t/${s.tenant.id}/dbt-manifest/${sha}`,
      expect.stringMatching(`^t/${s.tenant.id}/dbt-run-results/[0-9a-f]{64}$`),
    ]);
    const stored = (await env.BLOBS.head(objects[0].key))!;
    expect(stored.customMetadata).toEqual({ encoding: "gzip" });
    expect(stored.size).toBeGreaterThan(2_000_000);
    for (const id of [res.json.upload.id, again.json.upload.id]) {
      const dl = await workerFetch(`${BASE}/api/v1/dbt/uploads/${id}/artifacts/manifest`, { headers: { authorization: `Bearer ${token}` } });
      expect(dl.headers.get("x-content-sha256")).toBe(sha);
      expect(await sha256(await dl.text())).toBe(sha);
    }
  });

  it("a new manifest replaces the project's edges and nodes, keeping results of nodes that remain", async () => {
    const { token } = await lineageTenant();
    const m = JSON.parse(dbtFixture("duckdb-1.8/manifest.json"));
    const first = await upload(token, {
      project: "jaffle",
      environment: "prod",
      manifest: file(JSON.stringify(m)),
      run_results: file(dbtFixture("duckdb-1.8/run_results.json")),
    });
    for (const id of Object.keys(m.parent_map)) if (id.startsWith("test.")) delete m.parent_map[id];
    for (const id of Object.keys(m.nodes)) if (id.startsWith("test.")) delete m.nodes[id];
    m.metadata.invocation_id = "00000000-0000-4000-8000-000000000001";
    const second = await upload(token, { project: "jaffle", environment: "prod", manifest: file(JSON.stringify(m)) });
    expect(second.status, second.text).toBe(201);
    expect(second.json.project).toMatchObject({ node_count: 5, edge_count: 0 });
    const nodes = await allNodes(token, first.json.project.id);
    expect(nodes.map((n) => n.unique_id).sort()).toEqual(Object.keys(m.parent_map).sort());
    expect(nodes.find((n) => n.unique_id === "model.jaffle_shop.customers")?.last_result?.status).toBe("success");
  });
});

describe("dbt artifacts: bad input and permissions", () => {
  it("rejects what is not a manifest or run_results, naming the field, and stores nothing", async () => {
    const { s, token } = await lineageTenant();
    const cases: Array<[Record<string, string | Blob | undefined>, string]> = [
      [{ project: "p", environment: "prod", manifest: file(dbtFixture("duckdb-1.8/run_results.json")) }, "manifest.metadata.dbt_schema_version"],
      [{ project: "p", environment: "prod", manifest: file("{not json") }, "manifest"],
      [
        {
          project: "p",
          environment: "prod",
          manifest: file(JSON.stringify({ metadata: { dbt_schema_version: "https://schemas.getdbt.com/dbt/manifest/v12.json" } })),
        },
        "manifest.nodes",
      ],
      [{ project: "p", environment: "prod", run_results: file(dbtFixture("duckdb-1.8/manifest.json")) }, "run_results.metadata.dbt_schema_version"],
      [{ project: "p", environment: "prod", run_results: file(dbtFixture("duckdb-1.8/run_results.json")) }, "manifest"],
      [{ environment: "prod", manifest: file(dbtFixture("duckdb-1.8/manifest.json")) }, "project"],
      [{ project: "p", environment: "no spaces", manifest: file(dbtFixture("duckdb-1.8/manifest.json")) }, "environment"],
      [{ project: "p", environment: "prod" }, "manifest"],
      [{ project: "p", environment: "prod", manifest: file(dbtFixture("duckdb-1.8/manifest.json")), extra: "x" }, "extra"],
    ];
    for (const [fields, path] of cases) {
      const res = await upload(token, fields);
      expectError(res, 400, "validation_failed");
      expect(
        res.json.error.details.map((d: any) => d.path),
        JSON.stringify(Object.keys(fields)),
      ).toContain(path);
    }
    const json = await api("/dbt/artifacts", { as: token, body: { project: "p", environment: "prod", manifest: [] } });
    expectError(json, 400, "validation_failed");
    const counts = await lineageRowCounts(s.tenant.id);
    expect(counts).toMatchObject({ datasets: 0, jobs: 0, dbt_uploads: 0, dbt_nodes: 0, blobs: 0 });
  });

  it("needs metadata:write, and the project's owner team to upload again", async () => {
    const { s, token } = await lineageTenant();
    const other = await createTeam(s, "Marketing analytics");
    const { token: readOnly } = await createToken(s, other.id, ["read", "lineage:write"]);
    const { token: otherTeam } = await createToken(s, other.id, ["read", "metadata:write"]);
    const manifest = dbtFixture("duckdb-1.8/manifest.json");
    expectError(await upload(readOnly, { project: "jaffle", environment: "prod", manifest: file(manifest) }), 403, "forbidden");
    expect((await upload(token, { project: "jaffle", environment: "prod", manifest: file(manifest) })).status).toBe(201);
    expectError(
      await upload(otherTeam, { project: "jaffle", environment: "prod", run_results: file(dbtFixture("duckdb-1.8/run_results.json")) }),
      403,
      "forbidden",
    );
    // Reading is cross-team.
    expect((await api("/dbt/projects", { as: otherTeam })).json.items).toHaveLength(1);
  });

  it("bodies over 64 MiB are refused with 413", async () => {
    const { token } = await lineageTenant();
    const res = await workerFetch(`${BASE}/api/v1/dbt/artifacts`, {
      method: "POST",
      headers: { authorization: `Bearer ${token}`, "content-type": "application/json", "content-length": String(65 * 1024 * 1024) },
      body: "{}",
    });
    expect(res.status).toBe(413);
  });
});

/** A tenant with two teams, each with a token that writes metadata: `mine` (the sign-up's team) and `theirs`. */
async function twoTeams() {
  const a = await lineageTenant();
  const team = await createTeam(a.s, "Marketing");
  const { token } = await createToken(a.s, team.id, ["lineage:write", "metadata:write", "read"]);
  return { s: a.s, mine: { teamId: a.teamId, token: a.token }, theirs: { teamId: team.id, token } };
}

const bqManifest = () => JSON.parse(dbtFixture("bigquery-1.9/manifest.json"));
/** The BigQuery fixture's run_results as if run a day later, by another invocation. */
const bqNextDay = () => {
  const rr = JSON.parse(dbtFixture("bigquery-1.9/run_results.json").replaceAll("2024-12-16T", "2024-12-17T"));
  rr.metadata.invocation_id = crypto.randomUUID();
  return rr;
};

async function datasetFacts(token: string, id: string) {
  const ds = (await api(`/datasets/${id}`, { as: token })).json;
  const quality = (await api(`/datasets/${id}/quality`, { as: token })).json.items.map((q: any) => `${q.check}:${q.status}:${q.observed_at}`).sort();
  return { owner: ds.owner_team?.id, kind: ds.kind, lastWriteAt: ds.last_write_at, description: ds.description, schema: ds.schema, quality };
}

describe("dbt artifacts: another team's datasets keep their own facts", () => {
  it("another team's project naming my models' relations stores its own nodes and lineage, but not my datasets' freshness, test results, facets, kind, owner or cost", async () => {
    const { mine, theirs } = await twoTeams();
    const rr = JSON.parse(dbtFixture("bigquery-1.9/run_results.json"));
    const first = await api("/dbt/artifacts", { as: mine.token, body: { project: "jaffle_bq", environment: "prod", manifest: bqManifest(), run_results: rr } });
    expect(first.status, first.text).toBe(201);
    const customers = (await allNodes(mine.token, first.json.project.id)).find((n) => n.unique_id === "model.jaffle_shop.customers")!;
    const before = await datasetFacts(mine.token, customers.node_id);
    expect(before.quality.length).toBeGreaterThan(0);
    const costsBefore = (await api("/costs?from=2000-01-01T00:00:00Z&limit=200", { as: mine.token })).json.items;
    expect(costsBefore.length).toBeGreaterThan(0);

    // Their project builds the same warehouse relations (namespace `bigquery`), a day later, described otherwise.
    const manifest = bqManifest();
    manifest.nodes["model.jaffle_shop.customers"].description = "hijacked";
    manifest.nodes["model.jaffle_shop.customers"].columns = { hijacked: { name: "hijacked", description: "", data_type: "string" } };
    manifest.nodes["model.jaffle_shop.customers"].config.materialized = "view";
    const res = await api("/dbt/artifacts", { as: theirs.token, body: { project: "shadow", environment: "prod", manifest, run_results: bqNextDay() } });
    expect(res.status, res.text).toBe(201);
    expect(res.json.project.owner_team).toMatchObject({ id: theirs.teamId });

    expect(await datasetFacts(mine.token, customers.node_id)).toEqual(before);
    expect(before).toMatchObject({ owner: mine.teamId, kind: "model", lastWriteAt: expect.stringMatching(/^2024-12-16T/) });
    // Their BigQuery jobs' cost is theirs: my records are not replaced and nothing lands on my datasets.
    const costs = (await api("/costs?from=2000-01-01T00:00:00Z&limit=200", { as: mine.token })).json.items;
    expect(costs.map((c: any) => [c.external_ref, c.started_at, c.team_id]).sort()).toEqual(
      costsBefore.map((c: any) => [c.external_ref, c.started_at, c.team_id]).sort(),
    );

    // Their lineage is kept: their nodes and edges, and their dbt run wrote my model.
    const theirNodes = await allNodes(theirs.token, res.json.project.id);
    expect(theirNodes.find((n) => n.unique_id === "model.jaffle_shop.customers")).toMatchObject({
      node_id: customers.node_id,
      last_result: { status: "success" },
    });
    const runs = await api(`/datasets/${customers.node_id}/runs?role=output`, { as: mine.token });
    expect(runs.json.items).toHaveLength(2);
    const graph = await api(`/lineage/graph?node=${customers.node_id}&direction=upstream&depth=1`, { as: mine.token });
    const parents = bqManifest().parent_map["model.jaffle_shop.customers"] as string[];
    expect(graph.json.edges.filter((e: any) => e.to === customers.node_id)).toHaveLength(parents.length);
  });

  it("a manifest replaces only its own project's edges: another team's upload leaves my project's lineage as it was", async () => {
    const { mine, theirs } = await twoTeams();
    const first = await api("/dbt/artifacts", { as: mine.token, body: { project: "jaffle_bq", environment: "prod", manifest: bqManifest() } });
    const customers = (await allNodes(mine.token, first.json.project.id)).find((n) => n.unique_id === "model.jaffle_shop.customers")!;
    const edgesOf = async () =>
      (await api(`/lineage/graph?node=${customers.node_id}&direction=upstream&depth=1`, { as: mine.token })).json.edges
        .map((e: any) => `${e.from}>${e.to}`)
        .sort();
    const before = await edgesOf();
    expect(before.length).toBeGreaterThan(0);

    // Their manifest says customers has no parents at all.
    const manifest = bqManifest();
    manifest.parent_map["model.jaffle_shop.customers"] = [];
    manifest.nodes["model.jaffle_shop.customers"].depends_on = { macros: [], nodes: [] };
    const res = await api("/dbt/artifacts", { as: theirs.token, body: { project: "shadow", environment: "prod", manifest } });
    expect(res.status, res.text).toBe(201);
    expect(await edgesOf()).toEqual(before);
  });

  it("an upload reporting runs of jobs another team owns in the project's namespace is refused with 403, storing no upload, node or lineage", async () => {
    const { s, mine, theirs } = await twoTeams();
    // They reported an OpenLineage run of a job in the namespace my project's dbt invocations use.
    const olEvent = {
      eventType: "COMPLETE",
      eventTime: "2024-12-01T00:00:00Z",
      producer: "https://example.com/squatter",
      schemaURL: "https://openlineage.io/spec/2-0-2/OpenLineage.json#/$defs/RunEvent",
      run: { runId: crypto.randomUUID() },
      job: { namespace: "dbt://jaffle_bq/prod", name: "dbt build" },
      inputs: [],
      outputs: [],
    };
    expect((await api("/lineage", { as: theirs.token, body: olEvent })).status).toBe(201);
    const before = await lineageRowCounts(s.tenant.id);
    const res = await api("/dbt/artifacts", {
      as: mine.token,
      body: { project: "jaffle_bq", environment: "prod", manifest: bqManifest(), run_results: JSON.parse(dbtFixture("bigquery-1.9/run_results.json")) },
    });
    expectError(res, 403, "forbidden");
    expect(res.json.error.details.map((d: any) => d.path)).toEqual(["project"]);
    // Nothing is left behind, not even an empty project row.
    expect(await lineageRowCounts(s.tenant.id)).toEqual(before);
    expect((await api("/dbt/projects?project=jaffle_bq&environment=prod", { as: mine.token })).json.items).toEqual([]);
    // The same upload to a project whose jobs are nobody else's creates the project, owned by my team.
    const allowed = await api("/dbt/artifacts", { as: mine.token, body: { project: "jaffle_bq", environment: "ci", manifest: bqManifest() } });
    expect(allowed.status, allowed.text).toBe(201);
    expect(allowed.json.project).toMatchObject({ project: "jaffle_bq", environment: "ci", owner_team: { id: mine.teamId } });
  });

  it("run_results alone for a project that does not exist are refused naming manifest and create no project", async () => {
    const { s, mine } = await twoTeams();
    const res = await api("/dbt/artifacts", {
      as: mine.token,
      body: { project: "jaffle_bq", environment: "prod", run_results: JSON.parse(dbtFixture("bigquery-1.9/run_results.json")) },
    });
    expectError(res, 400, "validation_failed");
    expect(res.json.error.details.map((d: any) => d.path)).toEqual(["manifest"]);
    expect(await lineageRowCounts(s.tenant.id)).toMatchObject({ dbt_projects: 0, dbt_uploads: 0, blobs: 0 });
  });
});

describe("dbt artifacts: ownership is checked by the write itself", () => {
  it("two teams' first uploads of one project and environment together: one creates and owns it, the other is refused", async () => {
    const { mine, theirs } = await twoTeams();
    const send = (token: string) => upload(token, { project: "jaffle", environment: "prod", manifest: file(dbtFixture("duckdb-1.8/manifest.json")) });
    // Both have checked that no one owns the project before either batch creates it; the batches decide.
    const [a, b] = await withWritesInFlightTogether(/insert into "?dbt_uploads/i, 2, () => Promise.all([send(mine.token), send(theirs.token)]));
    expect([a.status, b.status].sort()).toEqual([201, 403]);
    const [created, refused, winner] = a.status === 201 ? [a, b, mine] : [b, a, theirs];
    expect(refused.json.error.details.map((d: any) => d.path)).toEqual(["project"]);
    expect(created.json.project.owner_team).toMatchObject({ id: winner.teamId });
    const uploads = await api(`/dbt/projects/${created.json.project.id}/uploads`, { as: winner.token });
    expect(uploads.json.items).toHaveLength(1);
    expect((await api("/dbt/projects", { as: mine.token })).json.items).toHaveLength(1);
  });

  it("the same first upload of a project sent twice at once: one creates the project and stores it, the other answers duplicate", async () => {
    const { s, mine } = await twoTeams();
    const send = () => upload(mine.token, { project: "jaffle", environment: "prod", manifest: file(dbtFixture("duckdb-1.8/manifest.json")) });
    const [a, b] = await withWritesInFlightTogether(/insert into "?dbt_uploads/i, 2, () => Promise.all([send(), send()]));
    expect([a.status, b.status].sort()).toEqual([200, 201]);
    expect([a.json.duplicate, b.json.duplicate].sort()).toEqual([false, true]);
    expect(a.json.project.id).toBe(b.json.project.id);
    expect(await lineageRowCounts(s.tenant.id)).toMatchObject({ dbt_projects: 1, dbt_uploads: 1 });
  });

  it("a job of the project's namespace another team creates while my first upload is in flight: the upload is refused and leaves nothing, not even the project", async () => {
    const { s, mine, theirs } = await twoTeams();
    const before = await lineageRowCounts(s.tenant.id);
    const squat = {
      eventType: "COMPLETE",
      eventTime: "2024-12-01T00:00:00Z",
      producer: "https://example.com/squatter",
      schemaURL: "https://openlineage.io/spec/2-0-2/OpenLineage.json#/$defs/RunEvent",
      run: { runId: crypto.randomUUID() },
      job: { namespace: "dbt://jaffle_bq/prod", name: "dbt build" },
    };
    const res = await withWriteHeldDuring(
      /insert into "?dbt_uploads/i,
      async () => expect((await api("/lineage", { as: theirs.token, body: squat })).status).toBe(201),
      () =>
        api("/dbt/artifacts", {
          as: mine.token,
          body: { project: "jaffle_bq", environment: "prod", manifest: bqManifest(), run_results: JSON.parse(dbtFixture("bigquery-1.9/run_results.json")) },
        }),
    );
    expectError(res, 403, "forbidden");
    expect(res.json.error.details.map((d: any) => d.path)).toEqual(["project"]);
    const after = await lineageRowCounts(s.tenant.id);
    // Their event is all that changed (the bytes my upload stored before its write stay for retention to collect).
    expect(after).toMatchObject({ dbt_projects: before.dbt_projects, dbt_uploads: before.dbt_uploads, dbt_nodes: before.dbt_nodes, job_runs: 1 });
    expect((await api("/jobs?namespace=dbt%3A%2F%2Fjaffle_bq%2Fprod", { as: mine.token })).json.items.map((j: any) => j.owner_team?.id)).toEqual([
      theirs.teamId,
    ]);
  });

  it("a model's dataset handed to another team while run_results are in flight keeps its freshness and test results", async () => {
    const { s, mine, theirs } = await twoTeams();
    const first = await api("/dbt/artifacts", { as: theirs.token, body: { project: "jaffle_bq", environment: "prod", manifest: bqManifest() } });
    expect(first.status, first.text).toBe(201);
    const customers = (await allNodes(theirs.token, first.json.project.id)).find((n) => n.unique_id === "model.jaffle_shop.customers")!;
    const res = await withWriteHeldDuring(
      /INSERT INTO job_runs/,
      async () => {
        const patch = await api(`/datasets/${customers.node_id}`, { as: s, method: "PATCH", body: { owner_team_id: mine.teamId } });
        expect(patch.status, patch.text).toBe(200);
      },
      () => api("/dbt/artifacts", { as: theirs.token, body: { project: "jaffle_bq", environment: "prod", run_results: bqNextDay() } }),
    );
    expect(res.status, res.text).toBe(201);
    expect(await datasetFacts(mine.token, customers.node_id)).toMatchObject({ owner: mine.teamId, lastWriteAt: null, quality: [] });
    // Their own models got theirs.
    const orders = (await allNodes(theirs.token, first.json.project.id)).find((n) => n.unique_id === "model.jaffle_shop.orders")!;
    expect((await datasetFacts(theirs.token, orders.node_id)).lastWriteAt).toMatch(/^2024-12-17T/);
  });
});
