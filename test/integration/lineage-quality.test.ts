import { tenantContext } from "../../worker/db/shards";
import { env } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { recordTuttiTaskRun } from "../../worker/ingest/tutti-runs";
import { api, expectError } from "../helpers/api";
import { createTeam, createToken } from "../helpers/fixtures";
import { lineageRowCounts, lineageTenant, postEvent } from "../helpers/lineage";
import { openLineageFixtures } from "../helpers/lineage-fixtures";

describe("generic quality results", () => {
  it("stores results by dataset name (creating it) or id; a repeat for the same run replaces the result", async () => {
    const { token, teamId } = await lineageTenant();
    const res = await api("/quality", {
      as: token,
      body: {
        results: [
          {
            dataset: { namespace: "snowflake://acme", name: "RAW.CRM.ORDERS" },
            check: "row_count_between",
            status: "pass",
            observed_at: "2026-01-01T06:00:00Z",
            run_id: "ge-1",
            details: { min: 1 },
          },
          {
            dataset: { namespace: "snowflake://acme", name: "RAW.CRM.ORDERS" },
            check: "not_null",
            column: "id",
            status: "fail",
            observed_at: "2026-01-01T06:00:00Z",
            run_id: "ge-1",
          },
        ],
      },
    });
    expect(res.status, res.text).toBe(201);
    const id = res.json.dataset_ids[0];
    const ds = await api(`/datasets/${id}`, { as: token });
    expect(ds.json).toMatchObject({ namespace: "snowflake://acme", name: "RAW.CRM.ORDERS", owner_team: { id: teamId } });
    const again = await api("/quality", {
      as: token,
      body: { results: [{ dataset_id: id, check: "not_null", column: "id", status: "pass", observed_at: "2026-01-01T06:05:00Z", run_id: "ge-1" }] },
    });
    expect(again.status).toBe(201);
    const history = await api(`/datasets/${id}/quality`, { as: token });
    expect(history.json.items.map((q: any) => [q.check, q.column, q.status, q.source])).toEqual([
      ["not_null", "id", "pass", "api"],
      ["row_count_between", null, "pass", "api"],
    ]);
    const graph = await api(`/lineage/graph?node=${id}&depth=1`, { as: token });
    expect(graph.json.nodes[0].failing_checks).toBe(0);
  });

  it("every page counts a dataset's failing checks alike: each check's latest result within the 30-day window", async () => {
    const { s, token, teamId } = await lineageTenant();
    const day = 86_400_000;
    const at = (daysAgo: number) => new Date(Date.now() - daysAgo * day).toISOString();
    const dataset = { namespace: "snowflake://acme", name: "MARTS.FINANCE.REVENUE" };
    const res = await api("/quality", {
      as: token,
      body: {
        results: [
          // Failed 40 days ago and never run since: outside the window, it counts nowhere.
          { dataset, check: "freshness_within", status: "fail", observed_at: at(40), run_id: "ge-old" },
          // Failed, then passed: the latest result wins.
          { dataset, check: "unique", column: "id", status: "fail", observed_at: at(3), run_id: "ge-1" },
          { dataset, check: "unique", column: "id", status: "pass", observed_at: at(2), run_id: "ge-2" },
          { dataset, check: "not_null", column: "amount", status: "error", observed_at: at(1), run_id: "ge-2" },
          { dataset, check: "row_count_between", status: "warn", observed_at: at(1), run_id: "ge-2" },
        ],
      },
    });
    expect(res.status, res.text).toBe(201);
    const id = res.json.dataset_ids[0] as string;
    const product = await api("/products", { as: s, body: { name: "revenue", title: "Revenue", owner_team_id: teamId, datasets: [{ id, weight: 1 }] } });
    expect(product.status, product.text).toBe(201);

    const datasetPage = (await api(`/datasets/${id}`, { as: token })).json.quality;
    const graphNode = (await api(`/lineage/graph?node=${id}&depth=1`, { as: token })).json.nodes.find((n: { id: string }) => n.id === id);
    const productGraphNode = (await api(`/products/${product.json.id}/lineage`, { as: s })).json.nodes.find((n: { id: string }) => n.id === id);
    const scorecard = (await api(`/products/${product.json.id}/scorecard`, { as: s })).json.scorecard.quality;
    const ranking = (await api("/scorecard", { as: s })).json.items.find((c: { product: { name: string } }) => c.product.name === "revenue").quality;

    expect(datasetPage).toMatchObject({ checks: 3, passing: 1, warning: 1, failing: 1, state: "failing" });
    expect(graphNode.failing_checks).toBe(1);
    expect(productGraphNode.failing_checks).toBe(1);
    expect(scorecard).toMatchObject({ checks: 3, failing: 1, state: "failing" });
    expect(ranking).toMatchObject({ checks: 3, failing: 1, state: "failing" });
  });

  it("names bad fields and stores nothing", async () => {
    const { s, token } = await lineageTenant();
    const cases: Array<[unknown, string]> = [
      [{ results: [{ check: "x", status: "pass" }] }, "results[0].dataset_id"],
      [{ results: [{ dataset_id: "ds_nope", check: "x", status: "pass" }] }, "results[0].dataset_id"],
      [{ results: [{ dataset: { namespace: "n", name: "d" }, check: "x", status: "green" }] }, "results[0].status"],
      [{ results: [{ dataset: { namespace: "n", name: "d" }, check: "x", status: "pass", observed_at: "soon" }] }, "results[0].observed_at"],
      [{ results: [] }, "results"],
    ];
    for (const [body, path] of cases) {
      const res = await api("/quality", { as: token, body });
      expectError(res, 400, "validation_failed");
      expect(res.json.error.details.map((d: any) => d.path)).toContain(path);
    }
    expect(Object.values(await lineageRowCounts(s.tenant.id)).every((n) => n === 0)).toBe(true);
  });
});

describe("Tutti task runs and freshness checks", () => {
  it("a Tutti task run is recorded with its outputs, moving freshness; a late dataset is found without any run", async () => {
    const { s, token, teamId } = await lineageTenant();
    const ctx = await tenantContext(env, s.tenant.id);
    const outputs = [{ namespace: "bigquery", name: "acme.marts.revenue" }];
    const first = await recordTuttiTaskRun(
      ctx,
      { runId: "run_1", taskKey: "load", pipeline: "daily", teamId, state: "running", startedAt: 1000, endedAt: null, outputs },
      1000,
    );
    await recordTuttiTaskRun(
      ctx,
      { runId: "run_1", taskKey: "load", pipeline: "daily", teamId, state: "succeeded", startedAt: 1000, endedAt: 5000, outputs },
      5000,
    );
    const ds = (await api("/datasets?namespace=bigquery&name=acme.marts.revenue", { as: token })).json.items[0];
    expect(ds).toMatchObject({ last_write_at: new Date(5000).toISOString(), owner_team: { id: teamId } });
    const run = await api(`/job-runs/${first.jobRunId}`, { as: token });
    expect(run.json).toMatchObject({
      source: "tutti",
      state: "succeeded",
      tutti_run_id: "run_1",
      tutti_task_key: "load",
      started_at: new Date(1000).toISOString(),
      job: { namespace: "tutti", name: "daily.load" },
    });
    const impact = await api(`/lineage/impact?node=${first.jobId}`, { as: token });
    expect(impact.json.datasets.map((d: any) => d.name)).toEqual(["acme.marts.revenue"]);

    await postEvent(token, openLineageFixtures["openlineage/marquez_event_simple.json"]);
    const other = (await api("/datasets?name=instance.schema.output-1", { as: token })).json.items[0];
    await api(`/datasets/${ds.id}`, { as: token, method: "PATCH", body: { freshness: { cron: "0 7 * * *", timezone: "UTC", max_age: "1h" } } });
    await api(`/datasets/${other.id}`, { as: token, method: "PATCH", body: { freshness: { cron: "30 6 * * *", timezone: "UTC" } } });
    // Both were last written long before their latest deadline; no run had to happen for that to show.
    for (const id of [ds.id, other.id]) {
      const got = await api(`/datasets/${id}`, { as: token });
      expect(got.json.freshness, id).toMatchObject({ state: "late" });
    }
  });
});

describe("Tutti task runs write for their pipeline's team", () => {
  it("a task of my pipeline declaring another team's dataset as its output records the lineage but does not move its freshness", async () => {
    const { s, token, teamId } = await lineageTenant();
    const team = await createTeam(s, "Marketing");
    const { token: theirs } = await createToken(s, team.id, ["lineage:write", "read"]);
    const orders = { namespace: "bigquery", name: "acme.marts.orders" };
    const written = await postEvent(
      theirs,
      JSON.stringify({
        eventType: "COMPLETE",
        eventTime: "2020-01-01T06:00:00Z",
        producer: "https://example.com/tutti-runs-test",
        schemaURL: "https://openlineage.io/spec/2-0-2/OpenLineage.json#/$defs/RunEvent",
        run: { runId: crypto.randomUUID() },
        job: { namespace: "airflow", name: "theirs.load" },
        outputs: [orders],
      }),
    );
    expect(written.status, written.text).toBe(201);

    const ctx = await tenantContext(env, s.tenant.id);
    const mine = { namespace: "bigquery", name: "acme.marts.mine" };
    // A month after their own write: were it theirs, the dataset would be fresh from it.
    const ended = Date.parse("2020-02-01T06:00:00Z");
    const run = await recordTuttiTaskRun(
      ctx,
      { runId: "run_1", taskKey: "load", pipeline: "daily", teamId, state: "succeeded", startedAt: ended - 60_000, endedAt: ended, outputs: [orders, mine] },
      ended,
    );
    const [theirsNow, mineNow] = await Promise.all(
      [orders, mine].map(async (d) => (await api(`/datasets?namespace=${d.namespace}&name=${d.name}`, { as: token })).json.items[0]),
    );
    expect(theirsNow).toMatchObject({ owner_team: { id: team.id }, last_write_at: "2020-01-01T06:00:00.000Z" });
    expect(mineNow).toMatchObject({ owner_team: { id: teamId }, last_write_at: "2020-02-01T06:00:00.000Z" });
    // The lineage is kept: my task wrote their dataset.
    const runs = await api(`/datasets/${theirsNow.id}/runs?role=output`, { as: token });
    expect(runs.json.items.map((r: any) => r.run.id)).toContain(run.jobRunId);
  });
});
