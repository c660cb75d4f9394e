import { describe, expect, it } from "vitest";
import { fakeCredentials } from "../../fakes/credentials";
import { api, type Session } from "../../helpers/api";
import { advance, isTerminal, waitForRun } from "../../helpers/engine";
import { pushPipeline, setupTenant } from "../../helpers/pipelines";
import { drain } from "../../helpers/wait";
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
  settleWebhooks,
  startRun,
  uniqueNumber,
} from "../../helpers/tool-fakes";
import { tenantD1 } from "../../helpers/tenant-db";

const creds = fakeCredentials.databricks;

async function setup(secrets: Record<string, string> = { token: creds.token, webhook_secret: creds.webhook_secret }) {
  const { s, team } = await setupTenant();
  const conn = await createConnection(s, team.id, "databricks", "dbx", { base_url: fakeUrl("databricks"), workspace_id: "1234567890123456" }, secrets);
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
    tasks: [{ id: "etl", connector: "databricks", connection: "dbx", with: { job_id: jobId, ...withExtra }, poll_interval: "1s", ...task }],
  });
}

async function costFacts(tenantId: string) {
  const rows = await (await tenantD1(tenantId))
    .prepare("SELECT source, external_ref, run_id, task_key, facts, started_at, ended_at FROM cost_facts WHERE tenant_id = ?")
    .bind(tenantId)
    .all();
  return rows.results as Array<{ source: string; external_ref: string; run_id: string; task_key: string; facts: string; started_at: number; ended_at: number }>;
}

describe("Databricks connector against its fake", () => {
  it("runs the job with parameters and a per-attempt idempotency token, follows it to success and records cost facts", async () => {
    const { s, team } = await setup();
    const job = uniqueNumber();
    await fakePlan("databricks", job, { queued: true, polls: 2, outcome: "SUCCESS", tasks: 3 });
    await pipeline(s, team.slug, "dbx_ok", job, {}, { job_parameters: { day: "2026-11-24" }, queue: true });
    const run = await startRun(s, "dbx_ok");
    const done = await pollToEnd(s, run.id);
    expect(done.status).toBe("succeeded");
    const task = firstTask(done);
    expect(task.external_url).toBe(`${fakeUrl("databricks")}/jobs/${job}/runs/${task.external_id}`);

    // The fake is shared by every test file: pick this test's request by its job id.
    const [runNow] = (await fakeRequests("databricks", "/api/2.2/jobs/run-now")).filter((r) => JSON.parse(r.body).job_id === job);
    expect(runNow.headers.authorization).toBe(`Bearer ${creds.token}`);
    expect(runNow.headers["x-databricks-workspace-id"]).toBe("1234567890123456");
    expect(JSON.parse(runNow.body)).toEqual({
      job_id: job,
      idempotency_token: `tutti-${run.id}-etl-1`,
      job_parameters: { day: "2026-11-24" },
      queue: { enabled: true },
    });

    const [fact] = await costFacts(s.tenant.id);
    expect(fact).toMatchObject({
      source: "databricks",
      external_ref: `${new URL(fakeUrl("databricks")).host}/${task.external_id}`,
      run_id: run.id,
      task_key: "etl",
    });
    const facts = JSON.parse(fact.facts);
    // All three tasks, though runs/get pages them one at a time.
    expect(facts.tasks.map((t: { task_key: string }) => t.task_key)).toEqual(["task_1", "task_2", "task_3"]);
    expect(facts).toMatchObject({
      job_id: job,
      setup_duration: 12_000,
      execution_duration: 60_000,
      cluster_instance: { cluster_id: expect.any(String) },
      result_state: "SUCCESS",
    });
    expect(fact.ended_at).toBeGreaterThanOrEqual(fact.started_at);
  });

  it("a job whose notebooks all exit with rows_affected 0 skips the task downstream of it, which Databricks never runs; any other exit value lets it run", async () => {
    const { s, team } = await setup();
    const load = uniqueNumber();
    const publish = uniqueNumber();
    await pushPipeline(s, {
      name: "dbx_skip_empty",
      team: team.slug,
      tasks: [
        { id: "load", connector: "databricks", connection: "dbx", with: { job_id: load }, poll_interval: "1s", skip_downstream_if_no_new_data: true },
        { id: "publish", connector: "databricks", connection: "dbx", with: { job_id: publish }, poll_interval: "1s", depends_on: ["load"] },
      ],
    });
    await fakePlan("databricks", publish, { polls: 0, outcome: "SUCCESS", tasks: 1 });
    const runNowsOf = async (job: number) => (await fakeRequests("databricks", "/api/2.2/jobs/run-now")).filter((r) => JSON.parse(r.body).job_id === job);
    const finish = async () => {
      const done = await pollToEnd(s, (await startRun(s, "dbx_skip_empty")).id);
      expect(done.status).toBe("succeeded");
      type Task = { key: string; status: string; no_new_data?: boolean; external_id?: string; outputs?: Record<string, unknown>; reason?: string };
      return Object.fromEntries(done.tasks.map((t: Task) => [t.key, t])) as Record<string, Task>;
    };

    // Two notebook tasks, each `dbutils.notebook.exit(json.dumps({"rows_affected": 0}))`.
    await fakePlan("databricks", load, { polls: 0, outcome: "SUCCESS", tasks: 2, notebook_exit: JSON.stringify({ rows_affected: 0 }) });
    const empty = await finish();
    expect(empty.load).toMatchObject({ status: "succeeded", no_new_data: true, outputs: { rows_affected: 0, result_state: "SUCCESS" } });
    expect(empty.publish).toMatchObject({ status: "skipped", reason: "no new data from load" });
    await drain();
    expect(await runNowsOf(publish)).toHaveLength(0);
    // Each task run's output was read once, by its own id (the parent's answers 400), for the log and the rows alike.
    const parent = Number(empty.load.external_id);
    const ids = [parent, parent * 10 + 1, parent * 10 + 2];
    const reads = (await fakeRequests("databricks", "/api/2.2/jobs/runs/get-output"))
      .map((r) => r.path)
      .filter((p) => ids.some((id) => p.endsWith(`run_id=${id}`)));
    expect(reads.sort()).toEqual([`/api/2.2/jobs/runs/get-output?run_id=${parent * 10 + 1}`, `/api/2.2/jobs/runs/get-output?run_id=${parent * 10 + 2}`]);

    // Rows changed in one task (Delta's num_affected_rows, as a MERGE reports it): new data, the sum is the output.
    await fakePlan("databricks", load, { polls: 0, outcome: "SUCCESS", tasks: 2, notebook_exit: ['{"rows_affected": 0}', '{"num_affected_rows": 5}'] });
    const changed = await finish();
    expect(changed.load).toMatchObject({ status: "succeeded", no_new_data: false, outputs: { rows_affected: 5 } });
    expect(changed.publish).toMatchObject({ status: "succeeded", no_new_data: false });

    // A notebook exiting with text, one exiting with nothing, a value Databricks cut: the rows are unknown, not zero.
    for (const plan of [
      { notebook_exit: "done" },
      { notebook_exit: ['{"rows_affected": 0}', null] },
      { notebook_exit: '{"rows_affected": 0, "note": "a long value"}', notebook_exit_limit: 40 },
    ]) {
      await fakePlan("databricks", load, { polls: 0, outcome: "SUCCESS", tasks: 2, ...plan });
      const unknown = await finish();
      expect(unknown.load, JSON.stringify(plan)).toMatchObject({ status: "succeeded", no_new_data: false });
      expect(unknown.load.outputs?.rows_affected, JSON.stringify(plan)).toBeUndefined();
      expect(unknown.publish, JSON.stringify(plan)).toMatchObject({ status: "succeeded" });
    }
    expect(await runNowsOf(publish)).toHaveLength(4);
  });

  it("a failed run fails the task with Databricks' state message; cost facts are still recorded", async () => {
    const { s, team } = await setup();
    const job = uniqueNumber();
    await fakePlan("databricks", job, { polls: 1, outcome: "FAILED", status_only: true });
    await pipeline(s, team.slug, "dbx_fail", job);
    const done = await pollToEnd(s, (await startRun(s, "dbx_fail")).id);
    expect(done.tasks[0]).toMatchObject({ status: "failed", error: { kind: "tool_failure", message: expect.stringContaining("RUN_EXECUTION_ERROR") } });
    expect(await costFacts(s.tenant.id)).toHaveLength(1);
  });

  it("a bad token fails as an auth error without retrying; an unknown job as a config error", async () => {
    const bad = await setup({ token: "dapi-wrong" });
    await pipeline(bad.s, bad.team.slug, "dbx_auth", uniqueNumber(), { retries: { max: 3, delay: "1s" } });
    const authFailed = await waitForRun(bad.s, (await startRun(bad.s, "dbx_auth")).id, isTerminal);
    expect(authFailed.tasks[0]).toMatchObject({
      status: "failed",
      attempt: 1,
      error: { kind: "auth", message: expect.stringContaining("Invalid access token.") },
    });

    const good = await setup();
    const job = uniqueNumber();
    await fakePlan("databricks", job, { exists: false });
    await pipeline(good.s, good.team.slug, "dbx_nojob", job, { retries: { max: 3, delay: "1s" } });
    const missing = await waitForRun(good.s, (await startRun(good.s, "dbx_nojob")).id, isTerminal);
    expect(missing.tasks[0]).toMatchObject({
      status: "failed",
      attempt: 1,
      error: { kind: "invalid_config", message: expect.stringContaining(`Job ${job} does not exist.`) },
    });
  });

  it("a 429 with Retry-After delays the retry at least that long", async () => {
    const { s, team } = await setup();
    const job = uniqueNumber();
    await fakePlan("databricks", job, {
      polls: 0,
      errors: { trigger: [{ status: 429, retry_after: 30, body: { error_code: "REQUEST_LIMIT_EXCEEDED", message: "Too many requests" } }] },
    });
    await pipeline(s, team.slug, "dbx_429", job, { retries: { max: 2, delay: "1s", jitter: false } });
    const run = await startRun(s, "dbx_429");
    const waiting = await waitForRun(s, run.id, (r) => r.tasks[0].status === "up_for_retry");
    expect(firstTask(waiting).error).toMatchObject({ kind: "rate_limited", message: expect.stringContaining("REQUEST_LIMIT_EXCEEDED") });
    await advance(s.tenant.id, 25_000);
    expect((await waitForRun(s, run.id, () => true)).tasks[0].status).toBe("up_for_retry");
    await advance(s.tenant.id, 6_000);
    expect(await pollToEnd(s, run.id)).toMatchObject({ status: "succeeded", tasks: [{ attempt: 2 }] });
  });

  it("cancelling the run cancels the Databricks run", async () => {
    const { s, team } = await setup();
    const job = uniqueNumber();
    await fakePlan("databricks", job, { polls: 1000 });
    await pipeline(s, team.slug, "dbx_cancel", job);
    const run = await startRun(s, "dbx_cancel");
    const runId = firstTask(await waitForRun(s, run.id, (r) => r.tasks[0].status === "triggered")).external_id;
    await api(`/runs/${run.id}/cancel`, { as: s, method: "POST" });
    await expect
      .poll(async () => (await fakeRequests("databricks", "/api/2.2/jobs/runs/cancel")).filter((r) => JSON.parse(r.body).run_id === Number(runId)).length, {
        timeout: 10_000,
      })
      .toBe(1);
  });

  it("a task timeout fails the task and cancels the Databricks run", async () => {
    const { s, team } = await setup();
    const job = uniqueNumber();
    await fakePlan("databricks", job, { polls: 1000 });
    await pipeline(s, team.slug, "dbx_timeout", job, { timeout: "30s", poll_interval: "10s" });
    const run = await startRun(s, "dbx_timeout");
    const runId = firstTask(await waitForRun(s, run.id, (r) => r.tasks[0].status === "triggered")).external_id;
    await advance(s.tenant.id, 31_000);
    expect((await waitForRun(s, run.id, isTerminal)).tasks[0]).toMatchObject({ status: "timed_out" });
    await expect
      .poll(async () => (await fakeRequests("databricks", "/api/2.2/jobs/runs/cancel")).filter((r) => JSON.parse(r.body).run_id === Number(runId)).length, {
        timeout: 10_000,
      })
      .toBe(1);
  });

  it("the notification path (basic auth, confirmed by runs/get) and the polling path reach the same final state", async () => {
    const hooked = await setup();
    const job = uniqueNumber();
    await fakePlan("databricks", job, { polls: 1000, outcome: "TIMEDOUT" });
    await pipeline(hooked.s, hooked.team.slug, "dbx_hooked", job, { poll_interval: "1h" });
    const run = await startRun(hooked.s, "dbx_hooked");
    await waitForRun(hooked.s, run.id, (r) => r.tasks[0].status === "triggered");
    await fakeComplete("databricks", job, "TIMEDOUT");
    const [notification] = await fakeOutbox("databricks", job);
    expect(notification.event).toBe("jobs.on_failure");
    const forged = { ...notification, headers: { ...notification.headers, authorization: `Basic ${btoa("tutti:guess")}` } };
    expect((await deliverWebhook("databricks", hooked.conn.id, forged)).status).toBe(401);
    expect((await deliverWebhook("databricks", hooked.conn.id, notification)).status).toBe(200);
    await settleWebhooks(hooked.s, run.id, 1);
    const viaWebhook = await waitForRun(hooked.s, run.id, isTerminal);

    const polled = await setup();
    const job2 = uniqueNumber();
    await fakePlan("databricks", job2, { polls: 1, outcome: "TIMEDOUT" });
    await pipeline(polled.s, polled.team.slug, "dbx_polled", job2);
    const viaPolling = await pollToEnd(polled.s, (await startRun(polled.s, "dbx_polled")).id);
    expect([viaWebhook.status, firstTask(viaWebhook).status, firstTask(viaWebhook).error?.kind]).toEqual([
      viaPolling.status,
      firstTask(viaPolling).status,
      firstTask(viaPolling).error?.kind,
    ]);
    expect(firstTask(viaWebhook).error?.message).toMatch(/^the run timed out in Databricks/);
  });

  it("tests the connection by listing jobs", async () => {
    const good = await setup();
    expect((await api(`/connections/${good.conn.id}/test`, { as: good.s, method: "POST" })).json).toEqual({
      ok: true,
      message: `signed in to the Databricks workspace ${new URL(fakeUrl("databricks")).host}`,
    });
  });
});
