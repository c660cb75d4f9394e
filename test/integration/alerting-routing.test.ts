import { workerFetch } from "../helpers/worker-fetch";
import { describe, expect, inject, it } from "vitest";
import { api, BASE, type Session } from "../helpers/api";
import {
  alertDetail,
  budgetSignal,
  listAlerts,
  opened,
  receiverState,
  sendNotify,
  slackChannel,
  slackHook,
  slackPosts,
  webhookChannel,
  webhookEndpoint,
} from "../helpers/alerting";
import { advance, engineTimers, isTerminal, waitForRun } from "../helpers/engine";
import { createTeam, createToken } from "../helpers/fixtures";
import { dbtFixture } from "../helpers/lineage-fixtures";
import { createToolConnection, pushPipeline, setupTenant, toolTask } from "../helpers/pipelines";
import { drain } from "../helpers/wait";

let keys = 0;
const uniqueKey = (label: string) => `${label}-${Date.now().toString(36)}-${keys++}-${Math.random().toString(36).slice(2, 6)}`;

async function startRun(s: Session, pipeline: string) {
  const res = await api(`/pipelines/${pipeline}/runs`, { as: s, body: {} });
  if (res.status !== 201) throw new Error(`start ${pipeline}: ${res.status} ${res.text}`);
  return res.json as { id: string };
}

/** A task whose trigger the fake tool refuses (HTTP 500) the first `times` times for `key`, then accepts. */
const failingTask = (id: string, key: string, times: number) => toolTask(id, { fail_times: times, key });

describe("alert routing follows ownership and lineage", () => {
  it("a failure in an upstream pipeline notifies the upstream owner and the downstream product owner, each with the impact spelled out", async () => {
    const { s, team: platform } = await setupTenant();
    const finance = await createTeam(s, "Finance data");
    await createToolConnection(s, finance.id);
    const upstreamEndpoint = await webhookEndpoint();
    await webhookChannel(s, platform.id, upstreamEndpoint);
    const financeHook = slackHook();
    await slackChannel(s, finance.id, financeHook.url);

    await pushPipeline(s, { name: "ingest_crm", team: platform.slug, tasks: [failingTask("load", uniqueKey("crm"), 100)] });
    await pushPipeline(s, {
      name: "build_finance",
      team: finance.slug,
      triggers: [{ after: "ingest_crm", on: "success" }],
      products: ["finance_revenue"],
      sla: { finish_by: "08:00", timezone: "Europe/London" },
      tasks: [toolTask("marts")],
    });
    const run = await startRun(s, "ingest_crm");
    expect((await waitForRun(s, run.id, isTerminal)).status).toBe("failed");
    await drain();

    const upstream = await receiverState(upstreamEndpoint.name);
    expect(upstream.accepted).toHaveLength(1);
    const impact = "finance_revenue will miss its 08:00 Europe/London SLA because ingest_crm's task load failed";
    expect(upstream.accepted[0].body).toMatchObject({
      type: "alert.opened",
      data: {
        alert: {
          kind: "run_failed",
          title: "ingest_crm failed",
          owner_team: { id: platform.id },
          pipeline: { name: "ingest_crm" },
          run: { id: run.id },
          impacted_products: [{ name: "finance_revenue", owner_team: { id: finance.id, name: "Finance data" }, impact }],
        },
        recipient: { team: { id: platform.id }, role: "owner" },
      },
    });

    const posts = await slackPosts(financeHook.path);
    expect(posts).toHaveLength(1);
    const [post] = posts;
    // The downstream team reads first what the failure means for its product.
    expect(post.body.blocks[1]).toEqual({ type: "section", text: { type: "mrkdwn", text: `*${impact}*` } });
    expect(post.body.text).toContain("ingest_crm failed");

    // One alert, owned upstream, visible from both teams.
    const [alert] = await listAlerts(s, `team_id=${finance.id}`);
    expect(alert).toMatchObject({
      title: "ingest_crm failed",
      owner_team: { id: platform.id },
      impacted_products: [{ name: "finance_revenue", statement: impact }],
    });
    expect((await listAlerts(s, `team_id=${platform.id}`)).map((a) => a.id)).toEqual([alert.id]);
    expect((await listAlerts(s, "product=finance_revenue")).map((a) => a.id)).toEqual([alert.id]);
    const detail = await alertDetail(s, alert.id);
    expect(detail.deliveries.map((d: { team_id: string; status: string }) => `${d.team_id} ${d.status}`).sort()).toEqual(
      [`${platform.id} sent`, `${finance.id} sent`].sort(),
    );
    expect(detail.details.downstream_pipelines).toEqual(["build_finance"]);
  });

  it("lineage reaches products of pipelines that read what the failing pipeline wrote", async () => {
    const { s, team: platform } = await setupTenant();
    const marketing = await createTeam(s, "Marketing analytics");
    await createToolConnection(s, marketing.id);
    const hook = slackHook();
    await slackChannel(s, marketing.id, hook.url);
    await pushPipeline(s, { name: "load_events", team: platform.slug, tasks: [failingTask("copy", uniqueKey("ev"), 100)] });
    await pushPipeline(s, { name: "attribution", team: marketing.slug, products: ["campaign_roi"], tasks: [toolTask("model")] });
    // No trigger links them: only lineage says attribution.model reads what load_events.copy writes. Each team
    // reports its own pipeline's task (Tutti's job namespace speaks for the pipeline's team).
    const { token } = await createToken(s, platform.id, ["lineage:write", "read"]);
    const { token: marketingToken } = await createToken(s, marketing.id, ["lineage:write", "read"]);
    const event = (job: string, inputs: string[], outputs: string[]) => ({
      eventType: "COMPLETE",
      eventTime: new Date().toISOString(),
      producer: "https://example.com/test",
      schemaURL: "https://openlineage.io/spec/2-0-2/OpenLineage.json#/$defs/RunEvent",
      run: { runId: crypto.randomUUID() },
      job: { namespace: "tutti", name: job },
      inputs: inputs.map((name) => ({ namespace: "warehouse", name })),
      outputs: outputs.map((name) => ({ namespace: "warehouse", name })),
    });
    for (const [as, body] of [
      [token, event("load_events.copy", [], ["raw.events"])],
      [marketingToken, event("attribution.model", ["raw.events"], ["marts.campaign_roi"])],
    ] as const) {
      const res = await api("/lineage", { as, body });
      expect(res.status, res.text).toBeLessThan(300);
    }
    const run = await startRun(s, "load_events");
    await waitForRun(s, run.id, isTerminal);
    await drain();
    const posts = await slackPosts(hook.path);
    expect(posts).toHaveLength(1);
    const [post] = posts;
    expect(JSON.stringify(post.body.blocks)).toContain("campaign_roi will be stale because load_events's task copy failed");
  });

  it("a catalog product fed by a downstream pipeline is impacted, owned and timed as the catalog says", async () => {
    const { s, team: platform } = await setupTenant();
    const finance = await createTeam(s, "Finance data");
    const growth = await createTeam(s, "Growth");
    await createToolConnection(s, finance.id);
    const hook = slackHook();
    await slackChannel(s, growth.id, hook.url);
    await pushPipeline(s, { name: "ingest_ads", team: platform.slug, tasks: [failingTask("pull", uniqueKey("ads"), 100)] });
    await pushPipeline(s, { name: "spend_model", team: finance.slug, triggers: [{ after: "ingest_ads" }], tasks: [toolTask("model")] });
    // The product is in the catalog, owned by Growth, with spend_model as a member and a 09:30 daily freshness SLA.
    const product = await api("/products", {
      as: s,
      body: {
        name: "ad_spend",
        title: "Ad spend",
        owner_team_id: growth.id,
        pipelines: [{ name: "spend_model", weight: 1 }],
        sla: { freshness: { cron: "30 9 * * *", timezone: "America/New_York" } },
      },
    });
    expect(product.status).toBe(201);
    await startRun(s, "ingest_ads");
    await drain();
    const posts = await slackPosts(hook.path);
    expect(posts).toHaveLength(1);
    const [post] = posts;
    expect(post.body.blocks[1].text.text).toBe("*ad_spend will miss its 09:30 America/New_York SLA because ingest_ads's task pull failed*");
    const owners = await api("/owners?type=product", { as: s });
    expect(owners.json.items).toEqual([
      expect.objectContaining({ name: "ad_spend", owner_team: expect.objectContaining({ id: growth.id }), owner_source: "declared" }),
    ]);
  });

  it("ten failures of the same pipeline while the alert is open make one alert and one notification; recovery resolves it and notifies once", async () => {
    const { s, team } = await setupTenant();
    const endpoint = await webhookEndpoint();
    await webhookChannel(s, team.id, endpoint);
    // The first ten triggers fail, the eleventh succeeds.
    await pushPipeline(s, { name: "flaky_load", team: team.slug, tasks: [failingTask("load", uniqueKey("flaky"), 10)] });
    for (let i = 0; i < 10; i++) await startRun(s, "flaky_load");

    await drain();
    const [alert, ...others] = await listAlerts(s, "pipeline=flaky_load");
    expect(others).toEqual([]);
    expect(alert.occurrences).toBe(10);
    const detail = await alertDetail(s, alert.id);
    expect(detail.deliveries).toEqual([expect.objectContaining({ status: "sent" })]);
    expect(detail.timeline.filter((e: { type: string }) => e.type === "occurred")).toHaveLength(9);
    expect((await receiverState(endpoint.name)).accepted).toHaveLength(1);

    const recovery = await startRun(s, "flaky_load");
    expect((await waitForRun(s, recovery.id, isTerminal)).status).toBe("succeeded");
    await drain();
    const resolved = await alertDetail(s, alert.id);
    expect(resolved).toMatchObject({ status: "resolved", resolved_by: "Tutti", resolution: `Run ${recovery.id} of flaky_load succeeded.` });
    expect(resolved.deliveries.map((d: { transition: string; status: string }) => `${d.transition} ${d.status}`)).toEqual(["opened sent", "resolved sent"]);
    const state = await receiverState(endpoint.name);
    expect(state.accepted.map((a) => a.body.type)).toEqual(["alert.opened", "alert.resolved"]);
    expect(state.accepted[1].body.data.alert).toMatchObject({ id: alert.id, status: "resolved", occurrences: 10 });

    // The next failure is a new alert, notified again.
    await pushPipeline(s, { name: "flaky_load", team: team.slug, tasks: [failingTask("load", uniqueKey("again"), 100)] });
    await startRun(s, "flaky_load");
    await drain();
    expect((await listAlerts(s, "pipeline=flaky_load")).map((a) => a.status)).toEqual(["open", "resolved"]);
    expect(opened(await receiverState(endpoint.name))).toHaveLength(2);
  });

  it("a freshness breach is raised by a timer, with no run at all", async () => {
    const { s, team } = await setupTenant();
    const endpoint = await webhookEndpoint();
    await webhookChannel(s, team.id, endpoint);
    const { token } = await createToken(s, team.id, ["lineage:write", "metadata:write", "read"]);
    // A dataset only ever read: it has never had a successful write.
    const ingest = await api("/lineage", {
      as: token,
      body: {
        eventType: "COMPLETE",
        eventTime: new Date().toISOString(),
        producer: "https://example.com/test",
        schemaURL: "https://openlineage.io/spec/2-0-2/OpenLineage.json#/$defs/RunEvent",
        run: { runId: crypto.randomUUID() },
        job: { namespace: "reports", name: "weekly" },
        inputs: [{ namespace: "warehouse", name: "marts.orders" }],
        outputs: [],
      },
    });
    expect(ingest.status).toBeLessThan(300);
    const found = await api("/datasets?namespace=warehouse&name=marts.orders", { as: token });
    const datasetId = found.json.items[0].id as string;
    const patched = await api(`/datasets/${datasetId}`, {
      as: s,
      method: "PATCH",
      body: { owner_team_id: team.id, tags: ["finance"], freshness: { cron: "0 7 * * *", timezone: "UTC", max_age: "24h" } },
    });
    expect(patched.status).toBe(200);
    expect((await engineTimers(s.tenant.id)).map((t) => t.key)).toContain(`watch:alert-freshness:${datasetId}`);

    // A day passes and nothing runs.
    await advance(s.tenant.id, 25 * 3_600_000);
    await drain();
    const state = await receiverState(endpoint.name);
    expect(state.accepted).toHaveLength(1);
    expect(state.accepted[0].body.data.alert).toMatchObject({
      kind: "freshness_breached",
      severity: "warning",
      title: "marts.orders is stale",
      subject: { type: "dataset", id: datasetId },
      owner_team: { id: team.id },
    });
    expect(state.accepted[0].body.data.alert.summary).toMatch(/expected to be updated by 07:00 UTC on \d{4}-\d{2}-\d{2}.*last successful write: never/);
    expect((await api("/runs", { as: s })).json.items).toEqual([]);
    // The next deadline and a re-check of the breach are armed.
    const timers = (await engineTimers(s.tenant.id)).map((t) => t.key);
    expect(timers).toEqual(expect.arrayContaining([`watch:alert-freshness:${datasetId}`, `watch:alert-freshness-recheck:${datasetId}`]));
  });

  it("a tool rejecting a connection's credentials raises a connection alert beside the run failure", async () => {
    const { s, team } = await setupTenant();
    await api("/connections", {
      as: s,
      body: {
        team_id: team.id,
        name: "stale-creds",
        kind: "http",
        config: { base_url: inject("fakeHttpToolUrl") },
        secrets: { bearer_token: "revoked-token" },
      },
    });
    await pushPipeline(s, { name: "uses_stale", team: team.slug, tasks: [{ ...toolTask("call"), connection: "stale-creds" }] });
    const run = await startRun(s, "uses_stale");
    expect((await waitForRun(s, run.id, isTerminal)).status).toBe("failed");
    await drain();
    const alerts = await listAlerts(s);
    expect(alerts.map((a) => `${a.kind} ${a.dedupe_key}`).sort()).toEqual([
      `connection_failing connection:${team.id}:stale-creds`,
      expect.stringMatching(/^run_failed pipeline:pl_/),
    ]);
    const connection = alerts.find((a) => a.kind === "connection_failing");
    expect(connection).toMatchObject({
      title: "Connection stale-creds is failing",
      severity: "critical",
      subject: { type: "connection", name: "stale-creds" },
    });
    expect(connection.summary).toContain("HTTP 401");
  });

  it("a missed SLA deadline raises an alert from the engine's timer", async () => {
    const { s, team } = await setupTenant();
    const endpoint = await webhookEndpoint();
    await webhookChannel(s, team.id, endpoint);
    await pushPipeline(s, {
      name: "daily_revenue",
      team: team.slug,
      products: ["revenue_mart"],
      sla: { finish_by: "08:00", timezone: "UTC" },
      tasks: [toolTask("build")],
    });
    expect((await engineTimers(s.tenant.id)).some((t) => t.key.startsWith("sla:"))).toBe(true);
    // A day passes without any run: the 08:00 deadline finds no success.
    await advance(s.tenant.id, 25 * 3_600_000);
    await drain();
    const state = await receiverState(endpoint.name);
    expect(state.accepted).toHaveLength(1);
    expect(state.accepted[0].body.data.alert).toMatchObject({
      kind: "sla_missed",
      severity: "critical",
      title: "daily_revenue missed its 08:00 SLA",
      impacted_products: [{ name: "revenue_mart", impact: "revenue_mart is stale because daily_revenue missed its 08:00 SLA" }],
    });
  });

  it("a failure signal consumed after the recovery it predates opens nothing; a later one does", async () => {
    const { s, team } = await setupTenant();
    await pushPipeline(s, { name: "steady", team: team.slug, tasks: [toolTask("load")] });
    const ok = await startRun(s, "steady");
    const done = await waitForRun(s, ok.id, isTerminal);
    expect(done.status).toBe("succeeded");
    const finishedAt = Date.parse(done.finished_at as string);
    const pipelineId = (await api("/pipelines/steady", { as: s })).json.id as string;
    const failure = (at: number, runId: string) => ({
      type: "engine.run_finished" as const,
      tenantId: s.tenant.id,
      runId,
      pipelineId,
      pipelineName: "steady",
      teamId: team.id,
      status: "failed",
      reason: "task load failed",
      environment: "prod",
      triggerKind: "cron",
      failedTasks: [{ key: "load", status: "failed", attempt: 1, error: { kind: "tool_failure", message: "HTTP 500" } }],
      at,
    });
    await sendNotify(failure(finishedAt - 60_000, "run_late"));
    await drain();
    expect(await listAlerts(s, "pipeline=steady")).toEqual([]);
    await sendNotify(failure(finishedAt + 60_000, "run_after"));
    await drain();
    expect(await listAlerts(s, "pipeline=steady")).toEqual([expect.objectContaining({ run_id: "run_after", occurrences: 1 })]);
  });

  it("a failing quality check reported to the API alerts the team of the pipeline that writes the dataset, and passing resolves it", async () => {
    const { s, team } = await setupTenant();
    const endpoint = await webhookEndpoint();
    await webhookChannel(s, team.id, endpoint);
    await pushPipeline(s, { name: "orders_load", team: team.slug, tasks: [toolTask("copy")] });
    const { token } = await createToken(s, team.id, ["lineage:write", "metadata:write", "read"]);
    await api("/lineage", {
      as: token,
      body: {
        eventType: "COMPLETE",
        eventTime: new Date().toISOString(),
        producer: "https://example.com/test",
        schemaURL: "https://openlineage.io/spec/2-0-2/OpenLineage.json#/$defs/RunEvent",
        run: { runId: crypto.randomUUID() },
        job: { namespace: "tutti", name: "orders_load.copy" },
        inputs: [],
        outputs: [{ namespace: "warehouse", name: "raw.orders" }],
      },
    });
    const dataset = (await api("/datasets?namespace=warehouse&name=raw.orders", { as: token })).json.items[0];
    const report = (status: string) =>
      api("/quality", {
        as: token,
        body: { results: [{ dataset_id: dataset.id, check: "not_null_order_id", column: "order_id", status, details: { message: "12 null values" } }] },
      });
    expect((await report("fail")).status).toBe(201);
    await drain();
    const [alert, ...others] = await listAlerts(s, "kind=quality_failed");
    expect(others).toEqual([]);
    expect(alert).toMatchObject({
      title: "Quality check not_null_order_id on order_id failed on raw.orders",
      owner_team: { id: team.id },
      subject: { type: "dataset", id: dataset.id },
    });
    expect(alert.summary).toBe("Check not_null_order_id on order_id on raw.orders reported fail: 12 null values");
    expect((await report("pass")).status).toBe(201);
    await drain();
    expect((await alertDetail(s, alert.id)).status).toBe("resolved");
    expect((await receiverState(endpoint.name)).accepted.map((a) => a.body.type)).toEqual(["alert.opened", "alert.resolved"]);
  });

  it("failing dbt tests in production artifacts and failing OpenLineage assertions alert the dataset's owner; CI artifacts do not", async () => {
    const { s, team } = await setupTenant();
    const { token } = await createToken(s, team.id, ["lineage:write", "metadata:write", "read"]);
    const manifest = dbtFixture("bigquery-1.9/manifest.json");
    const runResults = JSON.parse(dbtFixture("bigquery-1.9/run_results.json"));
    const failing = runResults.results.find((r: { unique_id: string }) => r.unique_id.startsWith("test."));
    Object.assign(failing, { status: "fail", failures: 3, message: "Got 3 results, configured to fail if != 0" });
    const upload = async (environment: string) => {
      const form = new FormData();
      form.append("project", "jaffle_shop");
      form.append("environment", environment);
      form.append("manifest", new Blob([manifest], { type: "application/json" }), "manifest.json");
      form.append("run_results", new Blob([JSON.stringify(runResults)], { type: "application/json" }), "run_results.json");
      const res = await workerFetch(`${BASE}/api/v1/dbt/artifacts`, { method: "POST", headers: { authorization: `Bearer ${token}` }, body: form });
      expect(res.status, await res.text()).toBe(201);
    };
    // A pull request's dbt run failing a test is the pull request's business, not an incident.
    await upload("ci");
    await drain();
    expect(await listAlerts(s, "kind=quality_failed")).toEqual([]);
    await upload("prod");
    await drain();
    const [dbtAlert, ...others] = await listAlerts(s, "kind=quality_failed");
    expect(others).toEqual([]);
    expect(dbtAlert).toMatchObject({ owner_team: { id: team.id }, subject: { type: "dataset" } });
    expect(dbtAlert.summary).toContain("Got 3 results, configured to fail if != 0");

    const assertionEvent = (success: boolean) => ({
      eventType: "COMPLETE",
      eventTime: new Date().toISOString(),
      producer: "https://github.com/great-expectations/great_expectations",
      schemaURL: "https://openlineage.io/spec/2-0-2/OpenLineage.json#/$defs/RunEvent",
      run: { runId: crypto.randomUUID() },
      job: { namespace: "ge", name: "validate_payments" },
      inputs: [
        {
          namespace: "warehouse",
          name: "raw.payments",
          inputFacets: {
            dataQualityAssertions: {
              _producer: "https://github.com/great-expectations/great_expectations",
              _schemaURL: "https://openlineage.io/spec/facets/1-0-1/DataQualityAssertionsDatasetFacet.json",
              assertions: [{ assertion: "not_null", success, column: "payment_id" }],
            },
          },
        },
      ],
      outputs: [],
    });
    expect((await api("/lineage", { as: token, body: assertionEvent(false) })).status).toBe(201);
    await drain();
    const alerts = await listAlerts(s, "kind=quality_failed");
    expect(alerts).toHaveLength(2);
    const olAlert = alerts.find((a) => a.id !== dbtAlert.id);
    expect(olAlert.title).toBe("Quality check not_null on payment_id failed on raw.payments");
    expect((await api("/lineage", { as: token, body: assertionEvent(true) })).status).toBe(201);
    await drain();
    expect((await alertDetail(s, olAlert.id)).status).toBe("resolved");
    expect((await alertDetail(s, dbtAlert.id)).status).toBe("open");
  });

  it("a budget threshold alerts once per threshold and period, even after its alert is resolved", async () => {
    const { s, team } = await setupTenant();
    const endpoint = await webhookEndpoint();
    await webhookChannel(s, team.id, endpoint);
    await sendNotify(budgetSignal(s.tenant.id, team.id, 80, "2026-11", 810));
    await drain();
    const [first, ...others] = await listAlerts(s, "kind=budget_threshold");
    expect(others).toEqual([]);
    expect(first).toMatchObject({ severity: "warning", title: "Team Platform reached 80% of its 2026-11 budget", occurrences: 1, owner_team: { id: team.id } });
    const resolved = await api(`/alerts/${first.id}/resolve`, { as: s, method: "POST", body: { reason: "Raised the budget." } });
    expect(resolved.status).toBe(200);

    // The same crossing sent again after the resolution (budgets re-send one whose send was lost), then 100 % and the
    // next month.
    await sendNotify(budgetSignal(s.tenant.id, team.id, 80, "2026-11", 810));
    await sendNotify(budgetSignal(s.tenant.id, team.id, 100, "2026-11", 1010));
    await sendNotify(budgetSignal(s.tenant.id, team.id, 80, "2026-12", 800));
    await drain();
    const alerts = await listAlerts(s, "kind=budget_threshold");
    expect(alerts.map((a) => `${a.dedupe_key.split(":").slice(2).join(":")} ${a.severity} ${a.status} ${a.occurrences}`).sort()).toEqual([
      "2026-11:100 critical open 1",
      "2026-11:80 warning resolved 1",
      "2026-12:80 warning open 1",
    ]);
    const state = await receiverState(endpoint.name);
    expect(state.accepted.map((a) => `${a.body.type} ${a.body.data.alert.dedupe_key.split(":").slice(2).join(":")}`).sort()).toEqual([
      "alert.opened 2026-11:100",
      "alert.opened 2026-11:80",
      "alert.opened 2026-12:80",
      "alert.resolved 2026-11:80",
    ]);
    expect((await alertDetail(s, first.id)).status).toBe("resolved");
  });
});
