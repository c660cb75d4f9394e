import { describe, expect, it } from "vitest";
import { fakeCredentials } from "../../fakes/credentials";
import { api, type Session } from "../../helpers/api";
import { createTeam, createToken } from "../../helpers/fixtures";
import { advance, isTerminal, waitForRun } from "../../helpers/engine";
import { pushPipeline, setupTenant } from "../../helpers/pipelines";
import {
  createConnection,
  deliverWebhook,
  fakeComplete,
  fakeOutbox,
  fakePlan,
  fakeRequests,
  fakeUrl,
  firstTask,
  pollToEnd,
  runEvents,
  settleWebhooks,
  startRun,
  uniqueNumber,
} from "../../helpers/tool-fakes";
import { drain, eventually } from "../../helpers/wait";
import { tenantD1 } from "../../helpers/tenant-db";

const creds = fakeCredentials.dbt_cloud;

async function setup(secrets: Record<string, string> = { api_token: creds.api_token, webhook_secret: creds.webhook_secret }) {
  const { s, team } = await setupTenant();
  const conn = await createConnection(
    s,
    team.id,
    "dbt_cloud",
    "dbt",
    { base_url: fakeUrl("dbt_cloud"), account_id: creds.accountId, project: "jaffle_shop" },
    secrets,
  );
  return { s, team, conn };
}

async function pipeline(
  s: Session,
  teamSlug: string,
  name: string,
  jobId: number,
  task: Record<string, unknown> = {},
  withExtra: Record<string, unknown> = {},
) {
  await pushPipeline(s, {
    name,
    team: teamSlug,
    tasks: [
      {
        id: "build",
        connector: "dbt_cloud",
        connection: "dbt",
        with: { job_id: jobId, steps_override: ["dbt build -s +tag:revenue"], ...withExtra },
        poll_interval: "1s",
        ...task,
      },
    ],
  });
}

async function uploadsOf(tenantId: string) {
  const rows = await (await tenantD1(tenantId)).prepare("SELECT source, source_ref, result_counts FROM dbt_uploads WHERE tenant_id = ?").bind(tenantId).all();
  return rows.results as Array<{ source: string; source_ref: string; result_counts: string }>;
}

describe("dbt Cloud connector against its fake", () => {
  it("triggers the job with cause and overrides, polls the run to success and collects its artifacts", async () => {
    const { s, team } = await setup();
    const job = uniqueNumber();
    await fakePlan("dbt_cloud", job, { polls: 2, outcome: "success" });
    await pipeline(s, team.slug, "dbt_ok", job, {}, { git_branch: "main", schema_override: "dbt_ci" });
    const run = await startRun(s, "dbt_ok");
    await waitForRun(s, run.id, (r) => r.tasks[0].status === "triggered");
    const done = await pollToEnd(s, run.id);
    expect(done.status).toBe("succeeded");
    const task = firstTask(done);
    expect(task.external_url).toBe(`${fakeUrl("dbt_cloud")}/deploy/${creds.accountId}/projects/1/runs/${task.external_id}/`);
    expect(task.outputs).toEqual({
      run_id: task.external_id,
      run_url: task.external_url,
      artifacts_url: `${fakeUrl("dbt_cloud")}/api/v2/accounts/${creds.accountId}/runs/${task.external_id}/artifacts/`,
    });

    const [trigger] = await fakeRequests("dbt_cloud", `/api/v2/accounts/${creds.accountId}/jobs/${job}/run/`);
    expect(trigger.headers.authorization).toBe(`Token ${creds.api_token}`);
    const body = JSON.parse(trigger.body);
    expect(body.cause).toBe(`Tutti run ${run.id} task build attempt 1`);
    expect(body).toMatchObject({ steps_override: ["dbt build -s +tag:revenue"], git_branch: "main", schema_override: "dbt_ci" });

    // Collected after the run, before the task showed done: the artifacts are the ingest's dbt_cloud upload.
    const uploads = await uploadsOf(s.tenant.id);
    expect(uploads).toHaveLength(1);
    expect(uploads[0].source).toBe("dbt_cloud");
    expect(JSON.parse(uploads[0].source_ref)).toMatchObject({ run_id: task.external_id!, job_id: String(job) });
    const artifactCalls = await fakeRequests("dbt_cloud", `/api/v2/accounts/${creds.accountId}/runs/${task.external_id}/artifacts/`);
    expect(artifactCalls.map((r) => r.path).sort()).toEqual([
      `/api/v2/accounts/${creds.accountId}/runs/${task.external_id}/artifacts/manifest.json`,
      `/api/v2/accounts/${creds.accountId}/runs/${task.external_id}/artifacts/run_results.json`,
    ]);
  });

  it("a run whose run_results report 0 rows_affected for every model skips the task downstream of it, which dbt Cloud never runs; a run that changed rows, or whose adapter reports no rows_affected, lets it run", async () => {
    const { s, team } = await setup();
    const build = uniqueNumber();
    const publish = uniqueNumber();
    await pushPipeline(s, {
      name: "dbt_skip_empty",
      team: team.slug,
      tasks: [
        { id: "build", connector: "dbt_cloud", connection: "dbt", with: { job_id: build }, poll_interval: "1s", skip_downstream_if_no_new_data: true },
        { id: "publish", connector: "dbt_cloud", connection: "dbt", with: { job_id: publish }, poll_interval: "1s", depends_on: ["build"] },
      ],
    });
    const triggersOf = async (job: number) => (await fakeRequests("dbt_cloud", `/api/v2/accounts/${creds.accountId}/jobs/${job}/run/`)).length;
    const runWith = async (runResults: string | undefined) => {
      await fakePlan("dbt_cloud", build, { polls: 0, outcome: "success", ...(runResults ? { run_results: runResults } : {}) });
      await fakePlan("dbt_cloud", publish, { polls: 0, outcome: "success" });
      const done = await pollToEnd(s, (await startRun(s, "dbt_skip_empty")).id);
      expect(done.status).toBe("succeeded");
      return Object.fromEntries(done.tasks.map((t: { key: string }) => [t.key, t]));
    };

    // Fifteen incremental models that merged 0.0 rows (test/fixtures/SOURCES.md).
    const empty = await runWith("bigquery-1.9-unchanged/run_results.json");
    expect(empty.build).toMatchObject({ status: "succeeded", no_new_data: true });
    expect(empty.publish).toMatchObject({ status: "skipped", reason: "no new data from build" });
    await drain();
    expect(await triggersOf(build)).toBe(1);
    expect(await triggersOf(publish)).toBe(0);

    // The same models plus those that wrote rows (and seeds of 99–113 rows): new data.
    const changed = await runWith("bigquery-1.9/run_results.json");
    expect(changed.build).toMatchObject({ status: "succeeded", no_new_data: false });
    expect(changed.publish).toMatchObject({ status: "succeeded" });
    // dbt-duckdb reports no rows_affected: the run says nothing about new data.
    const unknown = await runWith(undefined);
    expect(unknown.build).toMatchObject({ status: "succeeded", no_new_data: false });
    expect(unknown.publish).toMatchObject({ status: "succeeded" });
    expect(await triggersOf(publish)).toBe(2);
  });

  it("artifacts that answer 404 for a while after the run are collected on a later poll, with backoff, before the task shows done", async () => {
    const { s, team } = await setup();
    const job = uniqueNumber();
    // Try 1: both files 404; try 2: run_results 404, manifest there (not stored alone); try 3: both there.
    await fakePlan("dbt_cloud", job, { polls: 0, outcome: "success", artifact_404s: 3 });
    await pipeline(s, team.slug, "dbt_late_artifacts", job);
    const run = await startRun(s, "dbt_late_artifacts");
    const waiting = await waitForRun(s, run.id, (r) => r.tasks[0].status === "running");
    const runId = firstTask(waiting).external_id;
    const artifactCalls = async () => (await fakeRequests("dbt_cloud", `/api/v2/accounts/${creds.accountId}/runs/${runId}/artifacts/`)).length;
    await eventually(async () => expect(await artifactCalls()).toBe(2));
    // The next try waits 10 s (the poll interval is 1 s): nine seconds on, nothing more was asked.
    await advance(s.tenant.id, 9_000);
    await drain();
    expect(await artifactCalls()).toBe(2);
    expect(await uploadsOf(s.tenant.id)).toHaveLength(0);
    const done = await pollToEnd(s, run.id, 20_000, 10);
    expect(done.status).toBe("succeeded");
    expect(firstTask(done)).toMatchObject({ status: "succeeded", error: null });
    expect(done.tasks[0].reason).toBeNull();
    expect(await artifactCalls()).toBe(6);
    expect(await uploadsOf(s.tenant.id)).toHaveLength(1);
  });

  it("artifacts that never appear are tried a bounded number of times, then the task ends with the gap recorded", async () => {
    const { s, team } = await setup();
    const job = uniqueNumber();
    await fakePlan("dbt_cloud", job, { polls: 0, outcome: "success", artifacts: false });
    await pipeline(s, team.slug, "dbt_no_artifacts", job);
    const run = await startRun(s, "dbt_no_artifacts");
    const done = await pollToEnd(s, run.id, 60_000, 20);
    const runId = firstTask(done).external_id;
    const note = `dbt Cloud has no run_results.json or manifest.json for run ${runId} (HTTP 404) (after 6 tries)`;
    expect(done.status).toBe("succeeded");
    expect(done.tasks[0]).toMatchObject({ status: "succeeded", reason: note });
    expect((await runEvents(s, run.id)).find((e) => e.to === "succeeded" && e.task === "build")?.reason).toBe(`succeeded (poll); ${note}`);
    expect(await fakeRequests("dbt_cloud", `/api/v2/accounts/${creds.accountId}/runs/${runId}/artifacts/`)).toHaveLength(12);
    expect(await uploadsOf(s.tenant.id)).toHaveLength(0);
  });

  it("a run that errors in dbt Cloud fails the task with dbt's message and still collects its results", async () => {
    const { s, team } = await setup();
    const job = uniqueNumber();
    await fakePlan("dbt_cloud", job, { polls: 1, outcome: "error" });
    await pipeline(s, team.slug, "dbt_fail", job);
    const run = await startRun(s, "dbt_fail");
    const done = await pollToEnd(s, run.id);
    expect(done.status).toBe("failed");
    expect(done.tasks[0]).toMatchObject({
      status: "failed",
      error: { kind: "tool_failure", message: expect.stringContaining('relation "raw_orders" does not exist') },
    });
    expect(await uploadsOf(s.tenant.id)).toHaveLength(1);
  });

  it("a rejected token fails the task as an auth error without retrying", async () => {
    const { s, team } = await setup({ api_token: "wrong-token" });
    const job = uniqueNumber();
    await pipeline(s, team.slug, "dbt_auth", job, { retries: { max: 3, delay: "1s" } });
    const run = await startRun(s, "dbt_auth");
    const done = await waitForRun(s, run.id, isTerminal);
    expect(done.status).toBe("failed");
    expect(done.tasks[0]).toMatchObject({ status: "failed", attempt: 1, error: { kind: "auth", message: expect.stringContaining("Invalid token.") } });
  });

  it("a 429 with Retry-After delays the retry at least that long", async () => {
    const { s, team } = await setup();
    const job = uniqueNumber();
    await fakePlan("dbt_cloud", job, { polls: 0, errors: { trigger: [{ status: 429, retry_after: 120 }] } });
    await pipeline(s, team.slug, "dbt_429", job, { retries: { max: 2, delay: "1s", jitter: false } });
    const run = await startRun(s, "dbt_429");
    const waiting = await waitForRun(s, run.id, (r) => r.tasks[0].status === "up_for_retry");
    expect(waiting.tasks[0]).toMatchObject({ error: { kind: "rate_limited" } });
    // The policy says 1s; the tool said 120s, and the tool wins.
    await advance(s.tenant.id, 60_000);
    expect((await waitForRun(s, run.id, () => true)).tasks[0].status).toBe("up_for_retry");
    await advance(s.tenant.id, 61_000);
    await waitForRun(s, run.id, (r) => r.tasks[0].attempt === 2 && r.tasks[0].status !== "queued");
    const done = await pollToEnd(s, run.id);
    expect(done.status).toBe("succeeded");
    expect(done.tasks[0].attempt).toBe(2);
  });

  it("cancelling the run cancels the dbt Cloud run", async () => {
    const { s, team } = await setup();
    const job = uniqueNumber();
    await fakePlan("dbt_cloud", job, { polls: 1000 });
    await pipeline(s, team.slug, "dbt_cancel", job);
    const run = await startRun(s, "dbt_cancel");
    const triggered = await waitForRun(s, run.id, (r) => r.tasks[0].status === "triggered");
    const externalId = firstTask(triggered).external_id;
    const res = await api(`/runs/${run.id}/cancel`, { as: s, method: "POST" });
    expect(res.status).toBe(200);
    await drain();
    expect((await fakeRequests("dbt_cloud", `/api/v2/accounts/${creds.accountId}/runs/${externalId}/cancel/`)).length).toBe(1);
  });

  it("a task timeout fails the task and cancels the dbt Cloud run", async () => {
    const { s, team } = await setup();
    const job = uniqueNumber();
    await fakePlan("dbt_cloud", job, { polls: 1000 });
    await pipeline(s, team.slug, "dbt_timeout", job, { timeout: "30s", poll_interval: "10s" });
    const run = await startRun(s, "dbt_timeout");
    const triggered = await waitForRun(s, run.id, (r) => r.tasks[0].status === "triggered");
    const externalId = firstTask(triggered).external_id;
    await advance(s.tenant.id, 31_000);
    const done = await waitForRun(s, run.id, isTerminal);
    expect(done.tasks[0]).toMatchObject({ status: "timed_out", error: { kind: "timeout" } });
    await drain();
    expect((await fakeRequests("dbt_cloud", `/api/v2/accounts/${creds.accountId}/runs/${externalId}/cancel/`)).length).toBe(1);
  });

  it("the webhook path and the polling path reach the same final state", async () => {
    // Webhook path: polls are an hour apart, so only the signed webhook can finish the task now.
    const hooked = await setup();
    const job = uniqueNumber();
    await fakePlan("dbt_cloud", job, { polls: 1000, outcome: "error" });
    await pipeline(hooked.s, hooked.team.slug, "dbt_hooked", job, { poll_interval: "1h" });
    const run = await startRun(hooked.s, "dbt_hooked");
    await waitForRun(hooked.s, run.id, (r) => r.tasks[0].status === "triggered");
    await fakeComplete("dbt_cloud", job, "error");
    const outbox = await fakeOutbox("dbt_cloud", job);
    expect(outbox.map((d) => d.event)).toEqual(["job.run.started", "job.run.errored", "job.run.completed"]);
    for (const delivery of outbox) expect((await deliverWebhook("dbt_cloud", hooked.conn.id, delivery)).status).toBe(200);
    await settleWebhooks(hooked.s, run.id, outbox.length);
    const viaWebhook = await waitForRun(hooked.s, run.id, isTerminal);

    // Polling path: same script, no webhook.
    const polled = await setup();
    const job2 = uniqueNumber();
    await fakePlan("dbt_cloud", job2, { polls: 1, outcome: "error" });
    await pipeline(polled.s, polled.team.slug, "dbt_polled", job2);
    const run2 = await startRun(polled.s, "dbt_polled");
    const viaPolling = await pollToEnd(polled.s, run2.id);

    const summary = (r: typeof viaWebhook) => ({ status: r.status, task: r.tasks[0].status, error: firstTask(r).error });
    expect(summary(viaWebhook)).toEqual(summary(viaPolling));
    expect(summary(viaWebhook)).toMatchObject({ status: "failed", task: "failed" });
  });

  it("tests the connection with one authenticated call and reports dbt Cloud's error", async () => {
    const good = await setup();
    const ok = await api(`/connections/${good.conn.id}/test`, { as: good.s, method: "POST" });
    expect(ok.status).toBe(200);
    expect(ok.json).toEqual({ ok: true, message: 'signed in to dbt Cloud account "Fake Analytics"' });
    const bad = await setup({ api_token: "wrong-token" });
    const failed = await api(`/connections/${bad.conn.id}/test`, { as: bad.s, method: "POST" });
    expect(failed.json).toMatchObject({ ok: false, message: expect.stringContaining("Invalid token.") });
    expect(failed.text).not.toContain("wrong-token");
  });
});

describe("a dbt Cloud task's artifacts write for its pipeline's team", () => {
  it("a run building a model whose dataset another team owns records the lineage, but leaves that dataset's freshness and owner as they were", async () => {
    const { s, team } = await setup();
    const marketing = await createTeam(s, "Marketing");
    const { token: theirs } = await createToken(s, marketing.id, ["lineage:write", "read"]);
    // The model's relation, written first by the other team's own job: theirs from then on.
    const customers = { namespace: "dbt://jaffle_shop/prod", name: "jaffle_shop.main.customers" };
    const written = await api("/lineage", {
      as: theirs,
      body: {
        eventType: "COMPLETE",
        eventTime: "2020-01-01T06:00:00Z",
        producer: "https://example.com/dbt-cloud-test",
        schemaURL: "https://openlineage.io/spec/2-0-2/OpenLineage.json#/$defs/RunEvent",
        run: { runId: crypto.randomUUID() },
        job: { namespace: "airflow", name: "marketing.load_customers" },
        outputs: [customers],
      },
    });
    expect(written.status, written.text).toBe(201);
    const datasetOf = async () => (await api(`/datasets?namespace=${encodeURIComponent(customers.namespace)}&name=${customers.name}`, { as: s })).json.items[0];
    const before = await datasetOf();
    expect(before).toMatchObject({ owner_team: { id: marketing.id }, last_write_at: "2020-01-01T06:00:00.000Z" });

    const job = uniqueNumber();
    await fakePlan("dbt_cloud", job, { polls: 0, outcome: "success" });
    await pipeline(s, team.slug, "dbt_builds_theirs", job);
    const done = await pollToEnd(s, (await startRun(s, "dbt_builds_theirs")).id);
    expect(done.status).toBe("succeeded");
    expect(await uploadsOf(s.tenant.id)).toHaveLength(1);

    // The run's results (model built 2024-11-27) would make it fresh, were the pipeline's team allowed to say so.
    expect(await datasetOf()).toMatchObject({ id: before.id, owner_team: { id: marketing.id }, last_write_at: "2020-01-01T06:00:00.000Z" });
    // What the run did is kept: the dbt job wrote the dataset, beside the other team's job.
    const writers = await api(`/datasets/${before.id}/runs?role=output`, { as: s });
    expect(writers.json.items.map((r: any) => r.job.namespace).sort()).toEqual(["airflow", "dbt://jaffle_shop/prod"]);
  });
});
