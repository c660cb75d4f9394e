import { describe, expect, it } from "vitest";
import { databricksConnector } from "../../worker/connectors/databricks/connector";
import { DatabricksConfig, DatabricksWith } from "../../worker/connectors/databricks/schema";
import { dbtCloudConnector } from "../../worker/connectors/dbt-cloud/connector";
import { DbtCloudConfig, DbtCloudWith } from "../../worker/connectors/dbt-cloud/schema";
import { gitHubActionsConnector } from "../../worker/connectors/github-actions/connector";
import { GitHubActionsConfig, GitHubActionsWith } from "../../worker/connectors/github-actions/schema";
import type { ConnectorContext, ConnectorDefinition, ExternalHandle, TaskOutcome } from "../../worker/connectors/types";
import { fakeCredentials } from "../fakes/credentials";
import { api, type Session } from "../helpers/api";
import { pushPipeline, setupTenant, toolTask } from "../helpers/pipelines";
import { createConnection, fakePlan, fakeRequests, fakeReruns, fakeUrl, pollToEnd, startRun, uniqueNumber } from "../helpers/tool-fakes";

/** Retry from failure through the tool's own partial rerun, against the fakes (docs/engine.md#retry-from-failure). */

type Attempt = { attempt: number; status: string; external_id: string | null; retry_kind: string | null };
type TaskDetail = { key: string; status: string; attempt: number; external_id: string | null; attempts: Attempt[] };

async function retry(s: Session, runId: string) {
  const res = await api(`/runs/${runId}/retry`, { as: s, method: "POST" });
  if (res.status !== 200) throw new Error(`retry ${runId}: ${res.status} ${res.text}`);
  return res.json as { attempt: number };
}

const onlyTask = (run: { tasks: unknown[] }) => run.tasks[0] as TaskDetail;

async function onePipeline(s: Session, teamSlug: string, name: string, task: Record<string, unknown>) {
  await pushPipeline(s, { name, team: teamSlug, tasks: [{ id: "work", poll_interval: "1s", ...task }] });
}

describe("retry from failure with the tool's own partial rerun", () => {
  it("dbt Cloud: the retried task asks dbt Cloud to rerun the failed run from failure (its failed models only) and follows the new run", async () => {
    const { s, team } = await setupTenant();
    const creds = fakeCredentials.dbt_cloud;
    await createConnection(s, team.id, "dbt_cloud", "dbt", { base_url: fakeUrl("dbt_cloud"), account_id: creds.accountId }, { api_token: creds.api_token });
    const job = uniqueNumber();
    await fakePlan("dbt_cloud", job, { polls: 1, outcome: "error", failed_models: ["orders", "customers"], rerun_polls: 1, rerun_outcome: "success" });
    await onePipeline(s, team.slug, "dbt_rerun", { connector: "dbt_cloud", connection: "dbt", with: { job_id: job, collect_artifacts: false } });
    const run = await startRun(s, "dbt_rerun");
    const failed = await pollToEnd(s, run.id);
    expect(failed.status).toBe("failed");
    const failedRunId = onlyTask(failed).external_id;

    // Two retries at once: one applies, the other is refused (the run is running again), and dbt Cloud hears of it once.
    const both = await Promise.all([api(`/runs/${run.id}/retry`, { as: s, method: "POST" }), api(`/runs/${run.id}/retry`, { as: s, method: "POST" })]);
    expect(both.map((r) => r.status).sort()).toEqual([200, 409]);
    const done = await pollToEnd(s, run.id);
    expect(done.status).toBe("succeeded");

    const reruns = await fakeReruns<{ run_id: number; rerun_of: number | null; models: string[] }>("dbt_cloud", job);
    expect(reruns).toHaveLength(1);
    expect(reruns[0]).toMatchObject({ rerun_of: Number(failedRunId), models: ["orders", "customers"] });
    const calls = await fakeRequests("dbt_cloud", `/api/v2/accounts/${creds.accountId}/jobs/${job}/`);
    expect(calls.filter((r) => r.method === "POST").map((r) => r.path)).toEqual([
      `/api/v2/accounts/${creds.accountId}/jobs/${job}/run/`,
      `/api/v2/accounts/${creds.accountId}/jobs/${job}/rerun/`,
    ]);
    expect(calls.find((r) => r.path.endsWith("/rerun/"))!.body).toBe("");

    const task = onlyTask(done);
    expect(task.external_id).toBe(String(reruns[0].run_id));
    expect(task.attempts.map((a) => [a.attempt, a.status, a.retry_kind])).toEqual([
      [1, "failed", null],
      [2, "succeeded", "rerun_failed"],
    ]);
    expect(task.attempts[1].external_id).toBe(String(reruns[0].run_id));
  });

  it("dbt Cloud: when the job ran again after the failed run, the rerun is refused with the reason and the next retry starts the job afresh", async () => {
    const { s, team } = await setupTenant();
    const creds = fakeCredentials.dbt_cloud;
    await createConnection(s, team.id, "dbt_cloud", "dbt", { base_url: fakeUrl("dbt_cloud"), account_id: creds.accountId }, { api_token: creds.api_token });
    const job = uniqueNumber();
    await fakePlan("dbt_cloud", job, { outcome: "error" });
    await onePipeline(s, team.slug, "dbt_moved_on", { connector: "dbt_cloud", connection: "dbt", with: { job_id: job, collect_artifacts: false } });
    const first = await startRun(s, "dbt_moved_on");
    expect((await pollToEnd(s, first.id)).status).toBe("failed");
    // Another run of the same job (here a second Tutti run) is now the job's latest.
    expect((await pollToEnd(s, (await startRun(s, "dbt_moved_on")).id)).status).toBe("failed");

    await retry(s, first.id);
    const refused = await pollToEnd(s, first.id);
    expect(refused.status).toBe("failed");
    expect(onlyTask(refused).attempts[1]).toMatchObject({ retry_kind: "rerun_failed", status: "failed" });
    expect((refused.tasks[0] as unknown as { error: { message: string } }).error.message).toMatch(/ran again \(run \d+\) after the failed run/);
    expect(await fakeReruns("dbt_cloud", job)).toHaveLength(0);

    await fakePlan("dbt_cloud", job, { outcome: "success" });
    await retry(s, first.id);
    const done = await pollToEnd(s, first.id);
    expect(done.status).toBe("succeeded");
    expect(onlyTask(done).attempts.map((a) => a.retry_kind)).toEqual([null, "rerun_failed", "retrigger"]);
    expect(await fakeReruns("dbt_cloud", job)).toHaveLength(0);
  });

  it("Databricks: the retried task repairs the run's failed tasks only, in the same run, naming the latest repair from the second on", async () => {
    const { s, team } = await setupTenant();
    const creds = fakeCredentials.databricks;
    await createConnection(s, team.id, "databricks", "dbx", { base_url: fakeUrl("databricks") }, { token: creds.token });
    const job = uniqueNumber();
    const plan = { polls: 1, outcome: "FAILED", tasks: 3, repair_polls: 1 };
    await fakePlan("databricks", job, { ...plan, repair_outcome: "FAILED" });
    await onePipeline(s, team.slug, "dbx_repair", { connector: "databricks", connection: "dbx", with: { job_id: job } });
    const run = await startRun(s, "dbx_repair");
    const failed = await pollToEnd(s, run.id);
    expect(failed.status).toBe("failed");
    const dbxRun = Number(onlyTask(failed).external_id);

    await retry(s, run.id);
    expect((await pollToEnd(s, run.id)).status).toBe("failed");
    await fakePlan("databricks", job, { ...plan, repair_outcome: "SUCCESS" });
    await retry(s, run.id);
    const done = await pollToEnd(s, run.id);
    expect(done.status).toBe("succeeded");

    const repairs = await fakeReruns<{ run_id: number; repair_id: number; latest_repair_id: number | null; tasks: string[] }>("databricks", job);
    expect(repairs).toHaveLength(2);
    expect(repairs[0]).toMatchObject({ run_id: dbxRun, latest_repair_id: null, tasks: ["task_3"] });
    expect(repairs[1]).toMatchObject({ run_id: dbxRun, latest_repair_id: repairs[0].repair_id, tasks: ["task_3"] });
    const bodies = (await fakeRequests("databricks", "/api/2.2/jobs/runs/repair")).map((r) => JSON.parse(r.body)).filter((b) => b.run_id === dbxRun);
    expect(bodies).toEqual([
      { run_id: dbxRun, rerun_all_failed_tasks: true },
      { run_id: dbxRun, rerun_all_failed_tasks: true, latest_repair_id: repairs[0].repair_id },
    ]);
    // The job itself was started once; the repairs are attempts of the same Databricks run.
    expect((await fakeRequests("databricks", "/api/2.2/jobs/run-now")).filter((r) => JSON.parse(r.body).job_id === job)).toHaveLength(1);
    const task = onlyTask(done);
    expect(task.external_id).toBe(String(dbxRun));
    expect(task.attempts.map((a) => [a.attempt, a.status, a.retry_kind])).toEqual([
      [1, "failed", null],
      [2, "failed", "repair"],
      [3, "succeeded", "repair"],
    ]);
  });

  it("GitHub Actions: the retried task re-runs the failed jobs of the workflow run and follows its new attempt to the end", async () => {
    const { s, team } = await setupTenant();
    const creds = fakeCredentials.github_actions;
    await createConnection(
      s,
      team.id,
      "github_actions",
      "gh",
      { base_url: fakeUrl("github_actions"), owner: "octo-org", repo: "octo-repo" },
      { token: creds.token },
    );
    const workflow = `rerun-${uniqueNumber()}.yml`;
    await fakePlan("github_actions", workflow, { polls: 1, outcome: "failure", rerun_polls: 2, rerun_outcome: "success" });
    await onePipeline(s, team.slug, "gh_rerun", { connector: "github_actions", connection: "gh", with: { workflow } });
    const run = await startRun(s, "gh_rerun");
    const failed = await pollToEnd(s, run.id);
    expect(failed.status).toBe("failed");
    const ghRun = onlyTask(failed).external_id!;

    await retry(s, run.id);
    const done = await pollToEnd(s, run.id);
    expect(done.status).toBe("succeeded");
    expect(await fakeReruns("github_actions", workflow)).toEqual([{ workflow, run_id: Number(ghRun), run_attempt: 2, jobs: ["test"] }]);
    const posts = (await fakeRequests("github_actions", "/repos/octo-org/octo-repo/actions/")).filter((r) => r.method === "POST");
    expect(posts.filter((r) => r.path.includes(workflow)).map((r) => r.path)).toEqual([`/repos/octo-org/octo-repo/actions/workflows/${workflow}/dispatches`]);
    expect(posts.filter((r) => r.path.startsWith(`/repos/octo-org/octo-repo/actions/runs/${ghRun}/`)).map((r) => r.path)).toEqual([
      `/repos/octo-org/octo-repo/actions/runs/${ghRun}/rerun-failed-jobs`,
    ]);
    const task = onlyTask(done);
    expect(task.external_id).toBe(ghRun);
    expect(task.attempts.map((a) => [a.attempt, a.status, a.retry_kind])).toEqual([
      [1, "failed", null],
      [2, "succeeded", "rerun_failed"],
    ]);
  });

  it("Databricks: reads that do not show the repair yet keep the task running rather than ending it with the run's earlier failure", async () => {
    const { s, team } = await setupTenant();
    await createConnection(s, team.id, "databricks", "dbx", { base_url: fakeUrl("databricks") }, { token: fakeCredentials.databricks.token });
    const job = uniqueNumber();
    await fakePlan("databricks", job, { outcome: "FAILED", repair_polls: 1, repair_lag_reads: 2 });
    await onePipeline(s, team.slug, "dbx_lag", { connector: "databricks", connection: "dbx", with: { job_id: job } });
    const run = await startRun(s, "dbx_lag");
    expect((await pollToEnd(s, run.id)).status).toBe("failed");
    await retry(s, run.id);
    const done = await pollToEnd(s, run.id);
    expect(done.status).toBe("succeeded");
    expect(onlyTask(done).attempts.map((a) => [a.status, a.retry_kind])).toEqual([
      ["failed", null],
      ["succeeded", "repair"],
    ]);
  });

  it("GitHub Actions: reads that still show the failed run attempt keep the task running until the re-run's attempt is there", async () => {
    const { s, team } = await setupTenant();
    const creds = fakeCredentials.github_actions;
    await createConnection(
      s,
      team.id,
      "github_actions",
      "gh",
      { base_url: fakeUrl("github_actions"), owner: "octo-org", repo: "octo-repo" },
      { token: creds.token },
    );
    const workflow = `lag-${uniqueNumber()}.yml`;
    await fakePlan("github_actions", workflow, { outcome: "failure", rerun_polls: 1, rerun_outcome: "success", rerun_lag_reads: 2 });
    await onePipeline(s, team.slug, "gh_lag", { connector: "github_actions", connection: "gh", with: { workflow } });
    const run = await startRun(s, "gh_lag");
    expect((await pollToEnd(s, run.id)).status).toBe("failed");
    await retry(s, run.id);
    const done = await pollToEnd(s, run.id);
    expect(done.status).toBe("succeeded");
    expect(onlyTask(done).attempts.map((a) => [a.status, a.retry_kind])).toEqual([
      ["failed", null],
      ["succeeded", "rerun_failed"],
    ]);
  });

  it("a tool without a partial rerun is triggered afresh, and the attempt says so", async () => {
    const { s, team } = await setupTenant();
    await pushPipeline(s, {
      name: "plain_retry",
      team: team.slug,
      tasks: [toolTask("bad", { outcome: "failed", message: "locked" }, { poll_interval: "1s" })],
    });
    const run = await startRun(s, "plain_retry");
    expect((await pollToEnd(s, run.id)).status).toBe("failed");
    await retry(s, run.id);
    const again = await pollToEnd(s, run.id);
    expect(onlyTask(again).attempts.map((a) => a.retry_kind)).toEqual([null, "retrigger"]);
  });
});

/** A connector call as a dispatch makes it; `resubmission` as when an earlier delivery's lease ran out. */
function contextOf<C>(config: C, secrets: Record<string, string>, resubmission: boolean): ConnectorContext<C> {
  return {
    config,
    secrets,
    fetch: (i, init) => fetch(i, init),
    run: { tenantId: "t_1", runId: `run_${crypto.randomUUID().slice(0, 8)}`, taskKey: "work", attempt: 2, pipeline: "p", params: {}, resubmission },
    callbackUrl: "https://tutti.test/cb",
  };
}

/** Starts the work at the tool and polls it until it ends, as attempt 1 would: the failed tool run's handle. */
async function failedRun<W, C>(connector: ConnectorDefinition<W, C>, ctx: ConnectorContext<C>, input: W): Promise<ExternalHandle> {
  const handleOf = ({ externalId, externalUrl, state }: TaskOutcome): ExternalHandle => ({ externalId, externalUrl, state });
  let outcome: TaskOutcome = await connector.trigger(ctx, input);
  for (let i = 0; i < 5 && outcome.status === "running"; i++) outcome = await connector.poll(ctx, input, handleOf(outcome));
  expect(outcome.status, JSON.stringify(outcome)).toBe("failed");
  return handleOf(outcome);
}

describe("a tool-native rerun sent again after its first delivery died (a resubmission) starts nothing new", () => {
  it("dbt Cloud: the resubmission follows the rerun run the first delivery started; without the flag it would refuse", async () => {
    const creds = fakeCredentials.dbt_cloud;
    const job = uniqueNumber();
    await fakePlan("dbt_cloud", job, { outcome: "error", rerun_polls: 3 });
    const config = DbtCloudConfig.parse({ base_url: fakeUrl("dbt_cloud"), account_id: creds.accountId });
    const input = DbtCloudWith.parse({ job_id: job, collect_artifacts: false });
    const ctx = (resubmission: boolean) => contextOf(config, { api_token: creds.api_token }, resubmission);
    const failed = await failedRun(dbtCloudConnector, ctx(false), input);

    const started = await dbtCloudConnector.rerun!.start(ctx(false), input, failed);
    const again = await dbtCloudConnector.rerun!.start(ctx(true), input, failed);
    expect(again).toMatchObject({ status: "running", externalId: started.externalId });
    expect(await fakeReruns("dbt_cloud", job)).toHaveLength(1);
    await expect(dbtCloudConnector.rerun!.start(ctx(false), input, failed)).rejects.toThrow(/ran again/);
  });

  it("Databricks: the resubmission follows the repair the first delivery made instead of repairing again", async () => {
    const creds = fakeCredentials.databricks;
    const job = uniqueNumber();
    await fakePlan("databricks", job, { outcome: "FAILED", repair_polls: 3 });
    const config = DatabricksConfig.parse({ base_url: fakeUrl("databricks") });
    const input = DatabricksWith.parse({ job_id: job });
    const ctx = (resubmission: boolean) => contextOf(config, { token: creds.token }, resubmission);
    const failed = await failedRun(databricksConnector, ctx(false), input);

    const repaired = await databricksConnector.rerun!.start(ctx(false), input, failed);
    const again = await databricksConnector.rerun!.start(ctx(true), input, failed);
    expect(again).toEqual(repaired);
    expect(await fakeReruns("databricks", job)).toHaveLength(1);
    // What the resubmission check prevents: Databricks refuses a second repair of a run in progress.
    await expect(databricksConnector.rerun!.start(ctx(false), input, failed)).rejects.toThrow(/INVALID_STATE/);
  });

  it("GitHub Actions: the resubmission follows the run attempt the first delivery started instead of asking again", async () => {
    const creds = fakeCredentials.github_actions;
    const workflow = `resubmit-${uniqueNumber()}.yml`;
    await fakePlan("github_actions", workflow, { outcome: "failure", rerun_polls: 3 });
    const config = GitHubActionsConfig.parse({ base_url: fakeUrl("github_actions"), owner: "octo-org", repo: "octo-repo" });
    const input = GitHubActionsWith.parse({ workflow });
    const ctx = (resubmission: boolean) => contextOf(config, { token: creds.token }, resubmission);
    const failed = await failedRun(gitHubActionsConnector, ctx(false), input);
    expect(failed.state).toMatchObject({ run_attempt: 1 });

    const rerun = await gitHubActionsConnector.rerun!.start(ctx(false), input, failed);
    expect(rerun).toMatchObject({ status: "running", externalId: failed.externalId, state: { run_attempt: 2 } });
    const again = await gitHubActionsConnector.rerun!.start(ctx(true), input, failed);
    expect(again).toEqual(rerun);
    expect(await fakeReruns("github_actions", workflow)).toHaveLength(1);
    await expect(gitHubActionsConnector.rerun!.start(ctx(false), input, failed)).rejects.toThrow(/already running/);
  });
});
