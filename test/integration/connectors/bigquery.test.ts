import { describe, expect, it } from "vitest";
import { bigQueryConnector } from "../../../worker/connectors/bigquery/connector";
import { BigQueryConfig, BigQueryWith } from "../../../worker/connectors/bigquery/schema";
import type { ConnectorContext } from "../../../worker/connectors/types";
import { api, expectError, type Session } from "../../helpers/api";
import { waitForRun } from "../../helpers/engine";
import { pushPipeline, setupTenant } from "../../helpers/pipelines";
import { bigQueryConfig, serviceAccount } from "../../helpers/bigquery";
import { createConnection, fakePlan, fakeRequests, fakeUrl, firstTask, pollToEnd, startRun } from "../../helpers/tool-fakes";
import { drain } from "../../helpers/wait";

/** Each test its own project, so the fake's jobs and requests of parallel tests never mix. */
const uniqueProject = () => `acme-${crypto.randomUUID().slice(0, 8)}`;
const uniqueQuery = (sql = "select count(*) from sales.orders where day = @day") => `${sql} /* ${crypto.randomUUID()} */`;

async function setup(project: string) {
  const { s, team } = await setupTenant();
  const account = await serviceAccount(project);
  const conn = await createConnection(s, team.id, "bigquery", "bq", bigQueryConfig(project), { service_account_key: account.keyFile });
  return { s, team, conn, account };
}

async function pipeline(s: Session, teamSlug: string, name: string, query: string, withExtra: Record<string, unknown> = {}) {
  await pushPipeline(s, {
    name,
    team: teamSlug,
    params: { day: "2026-11-24" },
    tasks: [{ id: "load", connector: "bigquery", connection: "bq", with: { query, ...withExtra }, poll_interval: "1s" }],
  });
}

const apiRequests = async (project: string, suffix = "") => fakeRequests("bigquery", `/bigquery/v2/projects/${project}${suffix}`);
const tokensIssued = async (email: string) => ((await (await fetch(`${fakeUrl("bigquery")}/__fake/tokens`)).json()) as Record<string, number>)[email] ?? 0;

describe("BigQuery connector against its fake", () => {
  it("inserts a query job with its per-attempt id, labels and rendered parameters, polls PENDING → RUNNING → DONE and reports rows and bytes", async () => {
    const project = uniqueProject();
    const { s, team, account } = await setup(project);
    const query = uniqueQuery();
    await fakePlan("bigquery", query, { polls: 2, rows: 5, bytes: 2_097_152, slot_ms: 1800 });
    await pipeline(s, team.slug, "bq_ok", query, {
      query_parameters: { day: { type: "DATE", value: "{{params.day}}" } },
      labels: { team: "finance" },
      maximum_bytes_billed: "1000000000",
    });
    const run = await startRun(s, "bq_ok");
    const done = await pollToEnd(s, run.id);
    expect(done.status).toBe("succeeded");
    const task = firstTask(done);
    const jobId = `tutti_${run.id}_load_1`;
    expect(task.external_id).toBe(jobId);
    expect(task.external_url).toBe(`https://console.cloud.google.com/bigquery?project=${project}&j=bq%3AUS%3A${jobId}&page=queryresults`);
    // The rows come from getQueryResults (a SELECT reports no row count on the job itself).
    expect(task.reason).toBe("5 rows, 2097152 bytes billed, 1800 slot-ms");
    // BigQuery sends int64 counts as strings: declared int outputs, they are stored as numbers.
    expect(task.outputs).toMatchObject({
      job_id: jobId,
      statement_type: "SELECT",
      rows: 5,
      total_bytes_billed: 2_097_152,
      total_slot_ms: 1800,
      cache_hit: false,
    });

    const [insert] = (await apiRequests(project, "/jobs")).filter((r) => r.method === "POST" && r.path === `/bigquery/v2/projects/${project}/jobs`);
    expect(insert.headers.authorization).toMatch(/^Bearer ya29\.fake-/);
    expect(JSON.parse(insert.body)).toEqual({
      jobReference: { projectId: project, jobId, location: "US" },
      configuration: {
        labels: { team: "finance", tutti_run: run.id, tutti_task: "load" },
        query: {
          query,
          useLegacySql: false,
          maximumBytesBilled: "1000000000",
          parameterMode: "NAMED",
          queryParameters: [{ name: "day", parameterType: { type: "DATE" }, parameterValue: { value: "2026-11-24" } }],
        },
      },
    });
    // Every status read names the job's location (a job is found only in its own).
    const gets = (await apiRequests(project, `/jobs/${jobId}`)).filter((r) => r.method === "GET");
    expect(gets.length).toBeGreaterThanOrEqual(2);
    for (const get of gets) expect(new URL(get.path, "http://x").searchParams.get("location")).toBe("US");

    // The signed JWT went to the token endpoint only; the access token is reused by the next run, not fetched again.
    const [grant] = await fakeRequests("bigquery", "/token");
    expect(new URLSearchParams(grant.body).get("grant_type")).toBe("urn:ietf:params:oauth:grant-type:jwt-bearer");
    const issued = await tokensIssued(account.email);
    expect(issued).toBe(1);
    const second = uniqueQuery();
    await pipeline(s, team.slug, "bq_again", second);
    expect((await pollToEnd(s, (await startRun(s, "bq_again")).id)).status).toBe("succeeded");
    expect(await tokensIssued(account.email)).toBe(1);
  });

  it("a job that ends with an errorResult fails the task with BigQuery's reason and message", async () => {
    const project = uniqueProject();
    const { s, team } = await setup(project);
    const query = uniqueQuery("selec 1");
    await fakePlan("bigquery", query, { polls: 1, outcome: "error" });
    await pipeline(s, team.slug, "bq_bad", query);
    const done = await pollToEnd(s, (await startRun(s, "bq_bad")).id);
    expect(done.status).toBe("failed");
    expect(firstTask(done).error?.message).toBe('the BigQuery job failed (invalidQuery): Syntax error: Unexpected identifier "selec" at [1:1]');
  });

  it("cancelling the run cancels the job in its location", async () => {
    const project = uniqueProject();
    const { s, team } = await setup(project);
    const query = uniqueQuery();
    await fakePlan("bigquery", query, { polls: 1000 });
    await pipeline(s, team.slug, "bq_cancel", query, { location: "eu" });
    const run = await startRun(s, "bq_cancel");
    const jobId = firstTask(await waitForRun(s, run.id, (r) => r.tasks[0].status === "triggered")).external_id;
    await api(`/runs/${run.id}/cancel`, { as: s, method: "POST" });
    await drain();
    const cancels = (await apiRequests(project, `/jobs/${jobId}/cancel`)).filter((r) => r.method === "POST");
    expect(cancels.map((r) => new URL(r.path, "http://x").searchParams.get("location"))).toEqual(["eu"]);
  });

  it("an insert whose answer was lost is found by its job id on the next poll and runs once", async () => {
    const project = uniqueProject();
    const { s, team } = await setup(project);
    const query = uniqueQuery();
    await fakePlan("bigquery", query, { polls: 0, lost_inserts: 1 });
    await pipeline(s, team.slug, "bq_lost", query);
    const done = await pollToEnd(s, (await startRun(s, "bq_lost")).id);
    expect(done.status).toBe("succeeded");
    const inserts = (await apiRequests(project, "/jobs")).filter((r) => r.method === "POST" && r.path === `/bigquery/v2/projects/${project}/jobs`);
    expect(inserts).toHaveLength(1);
    expect(firstTask(done).attempt).toBe(1);
  });

  it("the same attempt triggered twice finds its job through 409 duplicate instead of running the query again", async () => {
    const project = uniqueProject();
    const account = await serviceAccount(project);
    const query = uniqueQuery();
    await fakePlan("bigquery", query, { polls: 3 });
    const ctx: ConnectorContext<BigQueryConfig> = {
      config: BigQueryConfig.parse(bigQueryConfig(project)),
      secrets: { service_account_key: account.keyFile },
      fetch: (i, init) => fetch(i, init),
      run: { tenantId: "t_1", runId: `run_${crypto.randomUUID().slice(0, 8)}`, taskKey: "load", attempt: 1, pipeline: "p", params: {} },
      callbackUrl: "https://tutti.test/cb",
    };
    const input = BigQueryWith.parse({ query });
    const first = await bigQueryConnector.trigger(ctx, input);
    const again = await bigQueryConnector.trigger(ctx, input);
    expect(again).toMatchObject({ status: "running", externalId: first.externalId });
    const inserts = (await apiRequests(project, "/jobs")).filter((r) => r.method === "POST" && r.path === `/bigquery/v2/projects/${project}/jobs`);
    expect(inserts).toHaveLength(2);
    // The second insert was refused as a duplicate and the job it already had was read instead.
    expect((await apiRequests(project, `/jobs/${first.externalId}`)).filter((r) => r.method === "GET")).toHaveLength(1);
  });

  it("a connection test signs in with a dry run; a key the token endpoint refuses fails the test without showing the key", async () => {
    const project = uniqueProject();
    const { s, team, conn, account } = await setup(project);
    const ok = await api(`/connections/${conn.id}/test`, { as: s, method: "POST" });
    expect(ok.json).toEqual({ ok: true, message: `signed in to BigQuery project ${project} as ${account.email}` });
    const [dry] = (await apiRequests(project, "/queries")).map((r) => JSON.parse(r.body));
    expect(dry).toMatchObject({ query: "SELECT 1", dryRun: true, useLegacySql: false });

    // A key the fake never registered: Google answers invalid_grant.
    const stranger = JSON.parse(account.keyFile);
    stranger.client_email = `unknown@${project}.iam.gserviceaccount.com`;
    const bad = await createConnection(s, team.id, "bigquery", "bq-bad", bigQueryConfig(project), { service_account_key: JSON.stringify(stranger) });
    const refused = await api(`/connections/${bad.id}/test`, { as: s, method: "POST" });
    expect(refused.json.ok).toBe(false);
    expect(refused.json.message).toMatch(/^Google refused the service account key \(HTTP 400\): invalid_grant/);
    expect(refused.text).not.toContain("PRIVATE KEY");
    const shown = await api(`/connections/${bad.id}`, { as: s });
    expect(shown.text).not.toContain("PRIVATE KEY");
    expect(shown.json.secret_fields).toEqual([{ name: "service_account_key", set: true }]);
  });

  it("refuses a key file that is not a service account key, a bad project id and bad task input, naming the field", async () => {
    const project = uniqueProject();
    const { s, team, account } = await setup(project);
    const create = (config: Record<string, unknown>, key: string) =>
      api("/connections", { as: s, body: { team_id: team.id, name: "bq2", kind: "bigquery", config, secrets: { service_account_key: key } } });

    const notJson = await create(bigQueryConfig(project), "-----BEGIN PRIVATE KEY-----\nabc\n-----END PRIVATE KEY-----");
    expectError(notJson, 400, "validation_failed");
    expect(notJson.json.error.details).toEqual([
      { path: "secrets.service_account_key", message: "must be the service account's JSON key file as Google Cloud downloads it" },
    ]);
    expect(notJson.text).not.toContain("BEGIN PRIVATE KEY");
    const userCreds = await create(bigQueryConfig(project), JSON.stringify({ type: "authorized_user", client_id: "x", refresh_token: "1//secret-refresh" }));
    expectError(userCreds, 400, "validation_failed");
    expect(userCreds.json.error.details[0]).toEqual({
      path: "secrets.service_account_key",
      message: 'is a "authorized_user" credential; a service_account key is needed',
    });
    expect(userCreds.text).not.toContain("secret-refresh");
    const badProject = await create(bigQueryConfig("Acme Prod"), account.keyFile);
    expectError(badProject, 400, "validation_failed");
    expect(badProject.json.error.details.map((d: { path: string }) => d.path)).toEqual(["config.project_id"]);

    const push = await api("/pipelines", {
      as: s,
      body: {
        format: "json",
        spec_text: JSON.stringify({
          name: "bq_input",
          team: team.slug,
          tasks: [{ id: "load", connector: "bigquery", connection: "bq", with: { query: "select 1", labels: { Team: "x" }, priority: "SOON" } }],
        }),
      },
    });
    expect(push.status).toBe(400);
    expect(push.json.error.details.map((d: { path: string }) => d.path).sort()).toEqual(["tasks[0].with.labels.Team", "tasks[0].with.priority"]);
  });
});
