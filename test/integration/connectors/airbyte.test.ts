import { describe, expect, it } from "vitest";
import { fakeCredentials } from "../../fakes/credentials";
import { api, type Session } from "../../helpers/api";
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
  settleWebhooks,
  startRun,
} from "../../helpers/tool-fakes";
import { drain } from "../../helpers/wait";

const creds = fakeCredentials.airbyte;
const clientSecrets = { client_id: creds.client_id, client_secret: creds.client_secret, webhook_secret: creds.webhook_secret };

async function setup(secrets: Record<string, string> = clientSecrets, base = `${fakeUrl("airbyte")}/api/public/v1`) {
  const { s, team } = await setupTenant();
  const conn = await createConnection(s, team.id, "airbyte", "airbyte", { base_url: base, web_url: `${fakeUrl("airbyte")}/workspaces/ws1` }, secrets);
  return { s, team, conn };
}

async function pipeline(
  s: Session,
  teamSlug: string,
  name: string,
  connectionId: string,
  task: Record<string, unknown> = {},
  withExtra: Record<string, unknown> = {},
) {
  await pushPipeline(s, {
    name,
    team: teamSlug,
    tasks: [{ id: "load", connector: "airbyte", connection: "airbyte", with: { connection_id: connectionId, ...withExtra }, poll_interval: "1s", ...task }],
  });
}

async function fakeFetch(path: string, init: RequestInit = {}) {
  return fetch(`${fakeUrl("airbyte")}${path}`, init);
}

describe("Airbyte connector against its fake", () => {
  it("creates a sync job with client credentials (self-managed base URL) and follows it through incomplete to success", async () => {
    const { s, team } = await setup();
    const id = crypto.randomUUID();
    await fakePlan("airbyte", id, { incomplete_polls: 1, polls: 1, outcome: "succeeded", rows: 1400 });
    await pipeline(s, team.slug, "ab_ok", id);
    const run = await startRun(s, "ab_ok");
    const done = await pollToEnd(s, run.id);
    expect(done.status).toBe("succeeded");
    const task = firstTask(done);
    expect(task.external_id).toMatch(/^\d+$/);
    expect(task.external_url).toBe(`${fakeUrl("airbyte")}/workspaces/ws1/connections/${id}/job-history`);
    expect(task.outputs).toMatchObject({ job_id: task.external_id, rows_synced: 1400 });
    // The fake is shared by every test file: pick this test's request by its connection id.
    const [create] = (await fakeRequests("airbyte", "/api/public/v1/jobs")).filter((r) => r.method === "POST" && JSON.parse(r.body).connectionId === id);
    expect(JSON.parse(create.body)).toEqual({ connectionId: id, jobType: "sync" });
    expect(create.headers.authorization).toMatch(/^Bearer abt_/);
  });

  it("a sync that moved no rows reports no new data", async () => {
    const { s, team } = await setup({ api_token: creds.api_token }, `${fakeUrl("airbyte")}/v1`);
    const id = crypto.randomUUID();
    await fakePlan("airbyte", id, { polls: 0, rows: 0 });
    await pipeline(s, team.slug, "ab_empty", id);
    const run = await startRun(s, "ab_empty");
    const done = await pollToEnd(s, run.id);
    expect(done.tasks[0]).toMatchObject({ status: "succeeded", no_new_data: true });
  });

  it("a sync that moved no rows skips the task downstream of it, which Airbyte is never asked to run; one that moved rows runs it", async () => {
    const { s, team } = await setup();
    const load = crypto.randomUUID();
    const publish = crypto.randomUUID();
    const spec = (name: string) => ({
      name,
      team: team.slug,
      tasks: [
        { id: "load", connector: "airbyte", connection: "airbyte", with: { connection_id: load }, poll_interval: "1s", skip_downstream_if_no_new_data: true },
        { id: "publish", connector: "airbyte", connection: "airbyte", with: { connection_id: publish }, poll_interval: "1s", depends_on: ["load"] },
      ],
    });
    const jobsFor = async (connectionId: string) =>
      (await fakeRequests("airbyte", "/api/public/v1/jobs")).filter((r) => r.method === "POST" && JSON.parse(r.body).connectionId === connectionId);

    await fakePlan("airbyte", load, { polls: 0, rows: 0 });
    await fakePlan("airbyte", publish, { polls: 0, rows: 5 });
    await pushPipeline(s, spec("ab_skip_empty"));
    const done = await pollToEnd(s, (await startRun(s, "ab_skip_empty")).id);
    expect(done.status).toBe("succeeded");
    const byKey = Object.fromEntries(done.tasks.map((t: { key: string }) => [t.key, t]));
    expect(byKey.load).toMatchObject({ status: "succeeded", no_new_data: true, outputs: { rows_synced: 0 } });
    expect(byKey.publish).toMatchObject({ status: "skipped", reason: "no new data from load" });
    await drain();
    expect(await jobsFor(load)).toHaveLength(1);
    expect(await jobsFor(publish)).toHaveLength(0);

    // The same pipeline when the sync moved rows: the downstream task runs (the skip above came from the zero).
    await fakePlan("airbyte", load, { polls: 0, rows: 12 });
    const ran = await pollToEnd(s, (await startRun(s, "ab_skip_empty")).id);
    const ranByKey = Object.fromEntries(ran.tasks.map((t: { key: string }) => [t.key, t]));
    expect(ranByKey.load).toMatchObject({ status: "succeeded", no_new_data: false });
    expect(ranByKey.publish).toMatchObject({ status: "succeeded" });
    expect(await jobsFor(publish)).toHaveLength(1);
  });

  it("a failed job fails the task as a tool failure", async () => {
    const { s, team } = await setup();
    const id = crypto.randomUUID();
    await fakePlan("airbyte", id, { polls: 1, outcome: "failed" });
    await pipeline(s, team.slug, "ab_fail", id);
    const done = await pollToEnd(s, (await startRun(s, "ab_fail")).id);
    expect(done.tasks[0]).toMatchObject({ status: "failed", error: { kind: "tool_failure", message: "the Airbyte job failed; see its logs in Airbyte" } });
  });

  it("wrong client credentials fail the task as an auth error without retrying", async () => {
    const { s, team } = await setup({ client_id: creds.client_id, client_secret: "wrong" });
    await pipeline(s, team.slug, "ab_auth", crypto.randomUUID(), { retries: { max: 3, delay: "1s" } });
    const done = await waitForRun(s, (await startRun(s, "ab_auth")).id, isTerminal);
    expect(done.tasks[0]).toMatchObject({
      status: "failed",
      attempt: 1,
      error: { kind: "auth", message: expect.stringContaining("Invalid client credentials") },
    });
  });

  it("an expired access token is renewed once instead of failing the poll", async () => {
    const { s, team } = await setup();
    const id = crypto.randomUUID();
    await fakePlan("airbyte", id, { polls: 1 });
    await pipeline(s, team.slug, "ab_renew", id);
    const run = await startRun(s, "ab_renew");
    await waitForRun(s, run.id, (r) => r.tasks[0].status === "triggered");
    const tokensBefore = (await fakeRequests("airbyte", "/api/public/v1/applications/token")).length;
    await fakeFetch("/__fake/expire-tokens", { method: "POST" });
    const done = await pollToEnd(s, run.id);
    expect(done.status).toBe("succeeded");
    expect((await fakeRequests("airbyte", "/api/public/v1/applications/token")).length).toBeGreaterThan(tokensBefore);
  });

  it("a job already running for the connection is adopted instead of failing the trigger", async () => {
    const { s, team } = await setup();
    const id = crypto.randomUUID();
    await fakePlan("airbyte", id, { polls: 1000 });
    const token = (await (
      await fakeFetch("/v1/applications/token", {
        method: "POST",
        body: JSON.stringify({ client_id: creds.client_id, client_secret: creds.client_secret, "grant-type": "client_credentials" }),
      })
    ).json()) as { access_token: string };
    const existing = (await (
      await fakeFetch("/v1/jobs", {
        method: "POST",
        headers: { authorization: `Bearer ${token.access_token}` },
        body: JSON.stringify({ connectionId: id, jobType: "sync" }),
      })
    ).json()) as { jobId: number };
    await pipeline(s, team.slug, "ab_adopt", id);
    const run = await startRun(s, "ab_adopt");
    const triggered = await waitForRun(s, run.id, (r) => r.tasks[0].status === "triggered" || isTerminal(r));
    expect(firstTask(triggered)).toMatchObject({ status: "triggered", external_id: String(existing.jobId) });
  });

  it("a 429 with Retry-After delays the retry at least that long", async () => {
    const { s, team } = await setup();
    const id = crypto.randomUUID();
    await fakePlan("airbyte", id, { polls: 0, errors: { trigger: [{ status: 429, retry_after: 45 }] } });
    await pipeline(s, team.slug, "ab_429", id, { retries: { max: 2, delay: "1s", jitter: false } });
    const run = await startRun(s, "ab_429");
    await waitForRun(s, run.id, (r) => r.tasks[0].status === "up_for_retry");
    await advance(s.tenant.id, 40_000);
    expect((await waitForRun(s, run.id, () => true)).tasks[0].status).toBe("up_for_retry");
    await advance(s.tenant.id, 6_000);
    expect(await pollToEnd(s, run.id)).toMatchObject({ status: "succeeded", tasks: [{ attempt: 2 }] });
  });

  it("cancelling the run deletes the Airbyte job", async () => {
    const { s, team } = await setup();
    const id = crypto.randomUUID();
    await fakePlan("airbyte", id, { polls: 1000 });
    await pipeline(s, team.slug, "ab_cancel", id);
    const run = await startRun(s, "ab_cancel");
    const jobId = firstTask(await waitForRun(s, run.id, (r) => r.tasks[0].status === "triggered")).external_id;
    await api(`/runs/${run.id}/cancel`, { as: s, method: "POST" });
    await drain();
    expect((await fakeRequests("airbyte", `/api/public/v1/jobs/${jobId}`)).filter((r) => r.method === "DELETE").length).toBe(1);
  });

  it("a task timeout fails the task and cancels the job", async () => {
    const { s, team } = await setup();
    const id = crypto.randomUUID();
    await fakePlan("airbyte", id, { polls: 1000 });
    await pipeline(s, team.slug, "ab_timeout", id, { timeout: "30s", poll_interval: "10s" });
    const run = await startRun(s, "ab_timeout");
    const jobId = firstTask(await waitForRun(s, run.id, (r) => r.tasks[0].status === "triggered")).external_id;
    await advance(s.tenant.id, 31_000);
    expect((await waitForRun(s, run.id, isTerminal)).tasks[0]).toMatchObject({ status: "timed_out" });
    await drain();
    expect((await fakeRequests("airbyte", `/api/public/v1/jobs/${jobId}`)).filter((r) => r.method === "DELETE").length).toBe(1);
  });

  it("the notification path (secret URL, confirmed by the API) and the polling path reach the same final state", async () => {
    const hooked = await setup();
    const id = crypto.randomUUID();
    await fakePlan("airbyte", id, { polls: 1000, outcome: "failed" });
    await pipeline(hooked.s, hooked.team.slug, "ab_hooked", id, { poll_interval: "1h" });
    const run = await startRun(hooked.s, "ab_hooked");
    await waitForRun(hooked.s, run.id, (r) => r.tasks[0].status === "triggered");
    await fakeComplete("airbyte", id, "failed");
    const [notification] = await fakeOutbox("airbyte", id);
    expect((await deliverWebhook("airbyte", hooked.conn.id, notification, "?token=wrong")).status).toBe(401);
    expect((await deliverWebhook("airbyte", hooked.conn.id, notification, `?token=${creds.webhook_secret}`)).status).toBe(200);
    await settleWebhooks(hooked.s, run.id, 1);
    const viaWebhook = await waitForRun(hooked.s, run.id, isTerminal);

    const polled = await setup();
    const id2 = crypto.randomUUID();
    await fakePlan("airbyte", id2, { polls: 1, outcome: "failed" });
    await pipeline(polled.s, polled.team.slug, "ab_polled", id2);
    const viaPolling = await pollToEnd(polled.s, (await startRun(polled.s, "ab_polled")).id);
    expect([viaWebhook.status, firstTask(viaWebhook).status, firstTask(viaWebhook).error]).toEqual([
      viaPolling.status,
      firstTask(viaPolling).status,
      firstTask(viaPolling).error,
    ]);
    expect(viaWebhook.status).toBe("failed");
  });

  it("tests the connection by listing workspaces", async () => {
    const good = await setup();
    expect((await api(`/connections/${good.conn.id}/test`, { as: good.s, method: "POST" })).json).toEqual({
      ok: true,
      message: 'signed in to Airbyte (workspace "Fake Workspace")',
    });
    const none = await setup({ webhook_secret: "x" });
    expect((await api(`/connections/${none.conn.id}/test`, { as: none.s, method: "POST" })).json).toEqual({
      ok: false,
      message: "the Airbyte connection needs client_id and client_secret, or api_token",
    });
  });
});
