import { tenantContext } from "../../worker/db/shards";
import { env } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { ingestDbtArtifacts } from "../../worker/ingest/dbt-artifacts";
import { ingestWriter } from "../../worker/ingest/writer";
import { fakeCredentials } from "../fakes/credentials";
import { api, type Session } from "../helpers/api";
import { tenantD1 } from "../helpers/tenant-db";
import { dbtFixture } from "../helpers/lineage-fixtures";
import { pushPipeline, setupTenant, toolTask } from "../helpers/pipelines";
import { waitForRun } from "../helpers/engine";
import { createConnection, fakePlan, fakeUrl, firstTask, pollToEnd, startRun, uniqueNumber } from "../helpers/tool-fakes";
import { createToken } from "../helpers/fixtures";
import { product, postCosts, record } from "../helpers/costs";
import { collectSink } from "../../worker/queues/collect";

const creds = fakeCredentials.dbt_cloud;
const engine = { principal: { actor: { type: "system" as const, id: "test", label: "test" } }, ip: null, requestId: null };

async function datasetIdByName(s: Session, name: string): Promise<string> {
  const res = await api(`/datasets?q=${encodeURIComponent(name)}`, { as: s });
  const hit = (res.json.items as Array<{ id: string; name: string }>).find((d) => d.name.endsWith(`.${name}`) || d.name === name);
  if (!hit) throw new Error(`no dataset ${name}: ${res.text}`);
  return hit.id;
}

/** A pipeline with one dbt Cloud task, run to success against the fake; returns the run, the task's dbt Cloud run id and the project. */
async function dbtCloudRun(s: Session, team: { id: string; slug: string }, pipelineSpec: Record<string, unknown> = {}) {
  await createConnection(
    s,
    team.id,
    "dbt_cloud",
    "dbt",
    { base_url: fakeUrl("dbt_cloud"), account_id: creds.accountId, project: "jaffle_shop" },
    { api_token: creds.api_token, webhook_secret: creds.webhook_secret },
  );
  const job = uniqueNumber();
  await fakePlan("dbt_cloud", job, { polls: 0, outcome: "success" });
  await pushPipeline(s, {
    name: "nightly_marts",
    team: team.slug,
    tasks: [{ id: "build_marts", connector: "dbt_cloud", connection: "dbt", with: { job_id: job }, poll_interval: "1s" }],
    ...pipelineSpec,
  });
  const run = await startRun(s, "nightly_marts");
  const done = await pollToEnd(s, run.id);
  expect(done.status).toBe("succeeded");
  const project = (await (
    await tenantD1(s.tenant.id)
  )
    .prepare("SELECT project, environment FROM dbt_projects WHERE tenant_id = ?")
    .bind(s.tenant.id)
    .first()) as {
    project: string;
    environment: string;
  };
  const pipeline = await api("/pipelines/nightly_marts", { as: s });
  return { runId: run.id, dbtCloudRunId: firstTask(done).external_id!, job, project, pipelineId: pipeline.json.id as string };
}

describe("cost attribution", () => {
  it("a Snowflake query's credits go through the dbt Cloud task that ran the model to the two products sharing it, by weight", async () => {
    const { s, team } = await setupTenant();
    const cloud = await dbtCloudRun(s, team);
    // The same dbt Cloud run's results as dbt-snowflake writes them: each model's adapter_response carries its query id.
    const queryId = `01b8a3f2-0000-${uniqueNumber()}-0004-${uniqueNumber()}`;
    const rr = JSON.parse(dbtFixture("duckdb-1.8/run_results.json"));
    rr.metadata.invocation_id = crypto.randomUUID();
    rr.results[0].adapter_response = { _message: "SUCCESS 1", code: "SUCCESS", rows_affected: 1, query_id: queryId };
    await ingestDbtArtifacts(
      await tenantContext(env, s.tenant.id),
      { ...engine, now: Date.now() },
      {
        ...cloud.project,
        runResults: rr,
        source: { kind: "dbt_cloud", runId: cloud.dbtCloudRunId, jobId: String(cloud.job) },
        writer: ingestWriter(team.id, [team.id]),
        blobs: env.BLOBS,
      },
    );
    const customers = await datasetIdByName(s, "customers");
    const finance = await product(s, { name: "finance_revenue", owner_team_id: team.id, datasets: [{ id: customers, weight: 3 }] });
    const growth = await product(s, { name: "growth_funnel", owner_team_id: team.id, datasets: [{ id: customers, weight: 1 }] });

    const res = await postCosts(s, [
      record({
        source: "snowflake",
        external_ref: queryId,
        amount: 6,
        quantity: 2,
        unit: "credits",
        attribution: { query_id: queryId, warehouse: "TRANSFORMING" },
      }),
    ]);
    expect(res.records[0]).toMatchObject({ status: "inserted", attributed_by: "datasets" });

    const ledger = await api(`/costs?run_id=${cloud.runId}`, { as: s });
    expect(ledger.status).toBe(200);
    expect(ledger.json.items).toHaveLength(1);
    const cost = ledger.json.items[0];
    expect(cost).toMatchObject({ run_id: cloud.runId, task_key: "build_marts", pipeline_id: cloud.pipelineId, team_id: team.id, amount: 6 });
    expect(cost.allocations).toEqual([
      { product_id: finance.id, amount: 4.5, share: 0.75 },
      { product_id: growth.id, amount: 1.5, share: 0.25 },
    ]);

    // The same split reaches the explorer's rollup and each product's scorecard.
    const explorer = await api("/costs/explorer?group_by=product", { as: s });
    expect(Object.fromEntries(explorer.json.series.map((x: { key: string; total: number }) => [x.key, x.total]))).toEqual({
      [finance.id]: 4.5,
      [growth.id]: 1.5,
    });
    const card = await api(`/products/${finance.id}/scorecard`, { as: s });
    expect(card.json.scorecard.cost.month_to_date).toBe(4.5);
  });

  it("credits posted for the task (run and task key, or the query tag Tutti sets) are split over the datasets the dbt Cloud run built", async () => {
    const { s, team } = await setupTenant();
    const cloud = await dbtCloudRun(s, team);
    const customers = await datasetIdByName(s, "customers");
    const finance = await product(s, { name: "finance_revenue", owner_team_id: team.id, datasets: [{ id: customers, weight: 1 }] });
    const growth = await product(s, { name: "growth_funnel", owner_team_id: team.id, tags: [], patterns: [{ pattern: "*customers", weight: 4 }] });

    await postCosts(s, [
      record({
        source: "snowflake",
        external_ref: "q-by-task",
        amount: 10,
        quantity: 3.3,
        unit: "credits",
        attribution: { run_id: cloud.runId, task_key: "build_marts" },
      }),
      record({
        source: "snowflake",
        external_ref: "q-by-tag",
        amount: 5,
        quantity: 1.6,
        unit: "credits",
        attribution: { query_tag: `tutti:${cloud.runId}:build_marts:1` },
      }),
    ]);
    const ledger = await api(`/costs?run_id=${cloud.runId}`, { as: s });
    const byRef = Object.fromEntries(ledger.json.items.map((c: { external_ref: string }) => [c.external_ref, c]));
    expect(byRef["q-by-task"].allocations).toEqual([
      { product_id: growth.id, amount: 8, share: 0.8 },
      { product_id: finance.id, amount: 2, share: 0.2 },
    ]);
    expect(byRef["q-by-tag"]).toMatchObject({ run_id: cloud.runId, task_key: "build_marts", attributed_by: "datasets" });
  });

  it("a pipeline's declared products share the cost of tasks that wrote nothing the catalog knows", async () => {
    const { s, team } = await setupTenant();
    const ops = await product(s, { name: "ops_reporting", owner_team_id: team.id });
    const finance = await product(s, { name: "finance_revenue", owner_team_id: team.id });
    await pushPipeline(s, { name: "exports", team: team.slug, products: ["ops_reporting", "finance_revenue"], tasks: [toolTask("export")] });
    // A pipeline member's weight overrides the implicit 1 of the spec's declaration.
    await api(`/products/${finance.id}`, { as: s, method: "PATCH", body: { pipelines: [{ name: "exports", weight: 3 }] } });
    const run = await startRun(s, "exports");
    await waitForRun(s, run.id, (r) => r.status === "succeeded");
    await postCosts(s, [record({ source: "aws", external_ref: "invoice-1/line-7", amount: 40, attribution: { run_id: run.id } })]);
    const ledger = await api(`/costs?run_id=${run.id}`, { as: s });
    expect(ledger.json.items[0]).toMatchObject({ attributed_by: "pipeline", team_id: team.id });
    expect(ledger.json.items[0].allocations).toEqual([
      { product_id: finance.id, amount: 30, share: 0.75 },
      { product_id: ops.id, amount: 10, share: 0.25 },
    ]);
  });

  it("idle warehouse credits are split like the attributed queries of that warehouse in the same hour", async () => {
    const { s, team } = await setupTenant();
    const a = await product(s, { name: "alpha", owner_team_id: team.id });
    const b = await product(s, { name: "beta", owner_team_id: team.id });
    const hour = "2026-03-02T10";
    await postCosts(s, [
      record({
        source: "snowflake",
        external_ref: "qa",
        amount: 9,
        quantity: 3,
        unit: "credits",
        started_at: `${hour}:05:00Z`,
        attribution: { warehouse: "WH", products: [{ name: "alpha" }] },
      }),
      record({
        source: "snowflake",
        external_ref: "qb",
        amount: 3,
        quantity: 1,
        unit: "credits",
        started_at: `${hour}:40:00Z`,
        attribution: { warehouse: "WH", products: [{ name: "beta" }] },
      }),
      record({
        source: "snowflake",
        external_ref: "qc",
        amount: 30,
        quantity: 10,
        unit: "credits",
        started_at: `${hour}:30:00Z`,
        attribution: { warehouse: "OTHER", products: [{ name: "beta" }] },
      }),
    ]);
    const idle = await postCosts(s, [
      record({
        source: "snowflake",
        external_ref: "idle:WH:10",
        amount: 2,
        quantity: 0.66,
        unit: "credits",
        started_at: `${hour}:00:00Z`,
        ended_at: `${hour.slice(0, -2)}11:00:00Z`,
        attribution: { split_by_warehouse: "WH" },
      }),
    ]);
    expect(idle.records[0].attributed_by).toBe("explicit");
    const ledger = await api(`/costs?source=snowflake&limit=10`, { as: s });
    const row = ledger.json.items.find((c: { external_ref: string }) => c.external_ref === "idle:WH:10");
    expect(row.allocations).toEqual([
      { product_id: a.id, amount: 1.5, share: 0.75 },
      { product_id: b.id, amount: 0.5, share: 0.25 },
    ]);
  });

  it("a token's unattributed spend belongs to its team", async () => {
    const { s, team } = await setupTenant();
    const { token } = await createToken(s, team.id);
    await postCosts(token, [record({ source: "gcp", external_ref: "bill-2026-03", amount: 120, started_at: "2026-03-05T00:00:00Z" })]);
    const explorer = await api("/costs/explorer?group_by=team&from=2026-03-01&to=2026-03-31", { as: s });
    expect(explorer.json.series).toEqual([expect.objectContaining({ key: team.id, total: 120 })]);
  });

  it("connector facts with priced usage become records of their task; a Snowflake statement's credits posted later find its task", async () => {
    const { s, team } = await setupTenant();
    const ops = await product(s, { name: "ops_reporting", owner_team_id: team.id });
    await pushPipeline(s, { name: "spark_jobs", team: team.slug, products: ["ops_reporting"], tasks: [toolTask("crunch")] });
    const run = await startRun(s, "spark_jobs");
    await waitForRun(s, run.id, (r) => r.status === "succeeded");
    const sink = collectSink(
      (await tenantContext(env, s.tenant.id)).db,
      env.BLOBS,
      { tenantId: s.tenant.id, teamId: team.id, runId: run.id, taskKey: "crunch", attempt: 1, connectionId: null },
      () => Date.now(),
    );
    const started = Date.now() - 120_000;
    await sink.costFacts("databricks", [
      { externalRef: "adb-1.azuredatabricks.net/771", startedAt: started, endedAt: started + 60_000, facts: { run_id: 771, dbus: 20 } },
    ]);
    await sink.costFacts("snowflake", [
      {
        externalRef: "01b9-stmt",
        startedAt: started,
        endedAt: started + 1000,
        facts: { query_id: "01b9-stmt", query_tag: `tutti:${run.id}:crunch:1`, warehouse: "WH" },
      },
    ]);
    const ledger = await api(`/costs?run_id=${run.id}`, { as: s });
    // Databricks: 20 DBU × the default 0.15; Snowflake: no credits in the facts yet, so no record.
    expect(ledger.json.items.map((c: { source: string; amount: number }) => [c.source, c.amount])).toEqual([["databricks", 3]]);
    expect(ledger.json.items[0]).toMatchObject({ task_key: "crunch", attributed_by: "pipeline", allocations: [{ product_id: ops.id, amount: 3, share: 1 }] });

    // ACCOUNT_USAGE later reports the statement's credits; posted with its query id, the cost finds the task.
    await postCosts(s, [record({ source: "snowflake", external_ref: "01b9-stmt", amount: 0.9, quantity: 0.3, unit: "credits" })]);
    const after = await api(`/costs?run_id=${run.id}&source=snowflake`, { as: s });
    expect(after.json.items[0]).toMatchObject({
      run_id: run.id,
      task_key: "crunch",
      team_id: team.id,
      allocations: [{ product_id: ops.id, amount: 0.9, share: 1 }],
    });
  });
});
