import { describe, expect, it } from "vitest";
import { fakeCredentials } from "../fakes/credentials";
import { api, type Session } from "../helpers/api";
import { pushPipeline, setupTenant, toolTask } from "../helpers/pipelines";
import { createConnection, fakePlan, fakeRequests, fakeUrl, pollToEnd, startRun, uniqueNumber } from "../helpers/tool-fakes";

/** What each tool's log looks like once the attempt has ended, fetched through the tool's real log endpoint (its fake). */

async function finalLog(s: Session, runId: string, task: string) {
  const res = await api(`/runs/${runId}/tasks/${task}/attempts/1/log`, { as: s });
  expect(res.status, res.text).toBe(200);
  expect(res.json.complete).toBe(true);
  return res.json.content as string;
}

async function runToEnd(s: Session, pipeline: string, spec: Record<string, unknown>) {
  await pushPipeline(s, { name: pipeline, ...spec });
  const run = await startRun(s, pipeline);
  return { run, done: await pollToEnd(s, run.id) };
}

describe("task logs per tool", () => {
  it("Databricks: each task run's output, error and error trace from runs/get-output, without the token it echoes", async () => {
    const creds = fakeCredentials.databricks;
    const { s, team } = await setupTenant();
    await createConnection(s, team.id, "databricks", "dbx", { base_url: fakeUrl("databricks") }, { token: creds.token });
    const job = uniqueNumber();
    await fakePlan("databricks", job, { polls: 1, outcome: "FAILED", tasks: 2, echo_token: true });
    const { run, done } = await runToEnd(s, "dbx_logs", {
      team: team.slug,
      tasks: [{ id: "etl", connector: "databricks", connection: "dbx", with: { job_id: job }, poll_interval: "1s" }],
    });
    expect(done.status).toBe("failed");
    const log = await finalLog(s, run.id, "etl");
    const parent = Number(done.tasks[0].external_id);
    expect(log).toContain(`===== Task task_1 (run ${parent * 10 + 1}, SUCCESS) =====`);
    expect(log).toContain("wrote 1024 rows to main.analytics.orders");
    expect(log).toContain(`===== Task task_2 (run ${parent * 10 + 2}, FAILED) =====`);
    expect(log).toContain("error: ZeroDivisionError: division by zero");
    expect(log).toContain('File "/Workspace/jobs/orders.py", line 12');
    expect(log).toContain("DATABRICKS_TOKEN=[redacted]");
    expect(log).not.toContain(creds.token);
    // Asked per task run: the parent of a multi-task job has no output of its own.
    const outputs = (await fakeRequests("databricks", "/api/2.2/jobs/runs/get-output")).map((r) => r.path);
    expect(outputs).toContain(`/api/2.2/jobs/runs/get-output?run_id=${parent * 10 + 2}`);
    expect(outputs).not.toContain(`/api/2.2/jobs/runs/get-output?run_id=${parent}`);
  });

  it("GitHub Actions: each job's plain-text log, fetched from the redirect without the token", async () => {
    const creds = fakeCredentials.github_actions;
    const { s, team } = await setupTenant();
    await createConnection(
      s,
      team.id,
      "github_actions",
      "gh",
      { base_url: fakeUrl("github_actions"), owner: "octo-org", repo: "octo-repo" },
      {
        token: creds.token,
      },
    );
    const workflow = `logs-${uniqueNumber()}.yml`;
    await fakePlan("github_actions", workflow, { polls: 1, outcome: "failure", echo_token: true });
    const { run, done } = await runToEnd(s, "gh_logs", {
      team: team.slug,
      tasks: [{ id: "publish", connector: "github_actions", connection: "gh", with: { workflow }, poll_interval: "1s" }],
    });
    expect(done.status).toBe("failed");
    const log = await finalLog(s, run.id, "publish");
    expect(log).toContain("===== Job build (success) =====");
    expect(log).toContain("===== Job test (failure) =====");
    expect(log).toContain("##[error]Process completed with exit code 1.");
    expect(log).toContain("GITHUB_TOKEN: [redacted]");
    expect(log).not.toContain(creds.token);
    // The storage URL got no Authorization (it refuses one), the API call did.
    const blobReads = await fakeRequests("github_actions", "/_blob/job-logs/");
    expect(blobReads.length).toBeGreaterThanOrEqual(2);
    for (const r of blobReads) expect(r.headers.authorization).toBeUndefined();
    const [logCall] = await fakeRequests("github_actions", `/repos/octo-org/octo-repo/actions/jobs/${Number(done.tasks[0].external_id) * 10 + 2}/logs`);
    expect(logCall.headers.authorization).toBe(`Bearer ${creds.token}`);
  });

  for (const format of ["formatted", "structured"] as const) {
    it(`Airbyte: the attempts' logs from the Config API (${format} logs)`, async () => {
      const creds = fakeCredentials.airbyte;
      const { s, team } = await setupTenant();
      await createConnection(
        s,
        team.id,
        "airbyte",
        "airbyte",
        { base_url: `${fakeUrl("airbyte")}/api/public/v1` },
        {
          client_id: creds.client_id,
          client_secret: creds.client_secret,
        },
      );
      const connection = crypto.randomUUID();
      await fakePlan("airbyte", connection, { polls: 1, outcome: "failed", log_format: format });
      const { run, done } = await runToEnd(s, `ab_logs_${format}`, {
        team: team.slug,
        tasks: [{ id: "load", connector: "airbyte", connection: "airbyte", with: { connection_id: connection }, poll_interval: "1s" }],
      });
      expect(done.status).toBe("failed");
      const log = await finalLog(s, run.id, "load");
      expect(log).toContain("===== Attempt 1 (failed) =====");
      expect(log).toContain(`Starting sync for connection ${connection}`);
      expect(log).toMatch(/ERROR.*Failure in source: 401 Unauthorized reading \/v3\/orders/);
      expect(log).toContain("io.airbyte.cdk.SourceException: 401 Unauthorized");
    });
  }

  it("Snowflake: the statement's error details as Snowflake answered them", async () => {
    const creds = fakeCredentials.snowflake;
    const { s, team } = await setupTenant();
    await createConnection(
      s,
      team.id,
      "snowflake",
      "sf",
      { base_url: fakeUrl("snowflake"), account: creds.account.toLowerCase(), user: "tutti_svc", warehouse: "TRANSFORM_WH" },
      { token: creds.token },
    );
    const statement = `select * from raw.missing /* ${crypto.randomUUID()} */`;
    await fakePlan("snowflake", statement, { polls: 1, outcome: "error" });
    const { run, done } = await runToEnd(s, "sf_logs", {
      team: team.slug,
      tasks: [{ id: "load", connector: "snowflake", connection: "sf", with: { statement }, poll_interval: "1s" }],
    });
    expect(done.status).toBe("failed");
    const log = await finalLog(s, run.id, "load");
    expect(log).toContain(`statement ${done.tasks[0].external_id}: HTTP 422`);
    expect(log).toMatch(/sqlState: \w+/);
    expect(log).toMatch(/message: .+/);
  });

  it("http: the endpoint's response body is the attempt's log", async () => {
    const { s, team } = await setupTenant();
    const { run, done } = await runToEnd(s, "http_logs", { team: team.slug, tasks: [toolTask("call", { polls: 1 }, { poll_interval: "1s" })] });
    expect(done.status).toBe("succeeded");
    const log = await finalLog(s, run.id, "call");
    expect(log).toContain("===== POST /jobs (trigger response) =====");
    // The request as it was sent, placeholders filled in.
    expect(log).toContain(`===== GET /jobs/${done.tasks[0].external_id} → HTTP 200 =====`);
    expect(log).not.toContain("{{");
    expect(log).toContain('"status":"succeeded"');
  });

  it("http: a chain of instant tasks keeps every attempt's log, counted once, stored by the time the run shows done", async () => {
    // In the default dispatch mode the object triggers these itself and stores their logs from its outbox, after the
    // outcome (not in front of the next task); the run's snapshots reach D1 only behind the logs.
    const { s, team } = await setupTenant();
    const tasks = ["a", "b", "c"].map((id, i) => toolTask(id, {}, i ? { depends_on: [["a", "b", "c"][i - 1]] } : {}));
    const { run, done } = await runToEnd(s, "http_chain_logs", { team: team.slug, tasks });
    expect(done.status).toBe("succeeded");
    for (const task of ["a", "b", "c"]) expect(await finalLog(s, run.id, task)).toContain("POST /jobs → HTTP 2");
    const usage = await api("/workspace/usage", { as: s });
    const logs = (usage.json.kinds as Array<{ kind: string; objects: number }>).find((k) => k.kind === "task_log");
    expect(logs?.objects).toBe(3);
  });
});
