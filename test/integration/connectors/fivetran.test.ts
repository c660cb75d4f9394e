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
  pollToEnd,
  settleWebhooks,
  startRun,
} from "../../helpers/tool-fakes";
import { drain } from "../../helpers/wait";

const creds = fakeCredentials.fivetran;
const uniqueConnection = () => `conn_${crypto.randomUUID().replaceAll("-", "").slice(0, 16)}`;

async function setup(secrets: Record<string, string> = { api_key: creds.api_key, api_secret: creds.api_secret, webhook_secret: creds.webhook_secret }) {
  const { s, team } = await setupTenant();
  const conn = await createConnection(
    s,
    team.id,
    "fivetran",
    "fivetran",
    { base_url: fakeUrl("fivetran"), dashboard_url: `${fakeUrl("fivetran")}/dashboard` },
    secrets,
  );
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
    tasks: [{ id: "sync", connector: "fivetran", connection: "fivetran", with: { connection_id: connectionId, ...withExtra }, poll_interval: "1s", ...task }],
  });
}

describe("Fivetran connector against its fake", () => {
  it("syncs and completes when succeeded_at moves past its value before the trigger", async () => {
    const { s, team } = await setup();
    const id = uniqueConnection();
    await fakePlan("fivetran", id, { polls: 2, rescheduled_polls: 1, outcome: "success" });
    await pipeline(s, team.slug, "ft_ok", id);
    const run = await startRun(s, "ft_ok");
    await waitForRun(s, run.id, (r) => r.tasks[0].status === "triggered");
    // The connection's old succeeded_at (an earlier scheduled sync) must not end the task: still running after polls.
    await advance(s.tenant.id, 1000);
    const midway = await waitForRun(s, run.id, (r) => r.tasks[0].status === "running");
    expect(isTerminal(midway)).toBe(false);
    const done = await pollToEnd(s, run.id);
    expect(done.status).toBe("succeeded");
    expect(done.tasks[0]).toMatchObject({ external_id: id, external_url: `${fakeUrl("fivetran")}/dashboard/connections/${id}/status` });
    const [sync] = await fakeRequests("fivetran", `/v1/connections/${id}/sync`);
    expect(sync.method).toBe("POST");
    expect(JSON.parse(sync.body)).toEqual({ force: false });
    expect(sync.headers.authorization).toBe(`Basic ${btoa(`${creds.api_key}:${creds.api_secret}`)}`);
    expect(sync.headers.accept).toBe("application/json;version=2");
  });

  it("a re-sync posts the scope and a failed sync fails the task with Fivetran's task message", async () => {
    const { s, team } = await setup();
    const id = uniqueConnection();
    await fakePlan("fivetran", id, { polls: 1, outcome: "failure" });
    await pipeline(s, team.slug, "ft_fail", id, {}, { resync: true, resync_scope: { public: ["orders"] } });
    const run = await startRun(s, "ft_fail");
    const done = await pollToEnd(s, run.id);
    expect(done.status).toBe("failed");
    expect(done.tasks[0]).toMatchObject({
      status: "failed",
      error: { kind: "tool_failure", message: "the Fivetran sync failed: Permission denied on schema public" },
    });
    const [resync] = await fakeRequests("fivetran", `/v1/connections/${id}/resync`);
    expect(JSON.parse(resync.body)).toEqual({ scope: { public: ["orders"] } });
  });

  it("rejected credentials fail the task as an auth error without retrying", async () => {
    const { s, team } = await setup({ api_key: creds.api_key, api_secret: "wrong" });
    await pipeline(s, team.slug, "ft_auth", uniqueConnection(), { retries: { max: 3, delay: "1s" } });
    const run = await startRun(s, "ft_auth");
    const done = await waitForRun(s, run.id, isTerminal);
    expect(done.tasks[0]).toMatchObject({ status: "failed", attempt: 1, error: { kind: "auth", message: expect.stringContaining("AuthFailed") } });
  });

  it("an unknown Fivetran connection fails as not found", async () => {
    const { s, team } = await setup();
    const id = uniqueConnection();
    await fakePlan("fivetran", id, { exists: false });
    await pipeline(s, team.slug, "ft_404", id, { retries: { max: 2, delay: "1s" } });
    const run = await startRun(s, "ft_404");
    const done = await waitForRun(s, run.id, isTerminal);
    expect(done.tasks[0]).toMatchObject({ status: "failed", attempt: 1, error: { kind: "not_found" } });
  });

  it("a 429 with Retry-After delays the retry at least that long", async () => {
    const { s, team } = await setup();
    const id = uniqueConnection();
    await fakePlan("fivetran", id, { polls: 0, errors: { sync: [{ status: 429, retry_after: 90 }] } });
    await pipeline(s, team.slug, "ft_429", id, { retries: { max: 2, delay: "1s", jitter: false } });
    const run = await startRun(s, "ft_429");
    await waitForRun(s, run.id, (r) => r.tasks[0].status === "up_for_retry");
    await advance(s.tenant.id, 80_000);
    expect((await waitForRun(s, run.id, () => true)).tasks[0].status).toBe("up_for_retry");
    await advance(s.tenant.id, 11_000);
    const done = await pollToEnd(s, run.id);
    expect(done).toMatchObject({ status: "succeeded", tasks: [{ attempt: 2 }] });
  });

  it("cancel stops waiting; Fivetran has no API to stop one sync, so nothing else is sent", async () => {
    const { s, team } = await setup();
    const id = uniqueConnection();
    await fakePlan("fivetran", id, { polls: 1000 });
    await pipeline(s, team.slug, "ft_cancel", id);
    const run = await startRun(s, "ft_cancel");
    await waitForRun(s, run.id, (r) => r.tasks[0].status === "triggered");
    const res = await api(`/runs/${run.id}/cancel`, { as: s, method: "POST" });
    expect(res.json.tasks[0].status).toBe("cancelled");
    await drain();
    const calls = await fakeRequests("fivetran", `/v1/connections/${id}`);
    expect(calls.map((c) => c.method).filter((m) => m !== "GET")).toEqual(["POST"]);
  });

  it("a task timeout fails a sync that never ends", async () => {
    const { s, team } = await setup();
    const id = uniqueConnection();
    await fakePlan("fivetran", id, { polls: 1000 });
    await pipeline(s, team.slug, "ft_timeout", id, { timeout: "30s", poll_interval: "10s" });
    const run = await startRun(s, "ft_timeout");
    await waitForRun(s, run.id, (r) => r.tasks[0].status === "triggered");
    await advance(s.tenant.id, 31_000);
    const done = await waitForRun(s, run.id, isTerminal);
    expect(done.tasks[0]).toMatchObject({ status: "timed_out", error: { kind: "timeout" } });
  });

  it("the webhook path and the polling path reach the same final state", async () => {
    const hooked = await setup();
    const id = uniqueConnection();
    await fakePlan("fivetran", id, { polls: 1000, outcome: "success" });
    await pipeline(hooked.s, hooked.team.slug, "ft_hooked", id, { poll_interval: "1h" });
    const run = await startRun(hooked.s, "ft_hooked");
    await waitForRun(hooked.s, run.id, (r) => r.tasks[0].status === "triggered");
    await fakeComplete("fivetran", id, "success");
    const outbox = await fakeOutbox("fivetran", id);
    expect(outbox.map((d) => d.event)).toEqual(["sync_start", "sync_end"]);
    // Out of order: the end arrives before the start. Each only prompts a status check.
    for (const delivery of [...outbox].reverse()) expect((await deliverWebhook("fivetran", hooked.conn.id, delivery)).status).toBe(200);
    await settleWebhooks(hooked.s, run.id, 2);
    const viaWebhook = await waitForRun(hooked.s, run.id, isTerminal);

    const polled = await setup();
    const id2 = uniqueConnection();
    await fakePlan("fivetran", id2, { polls: 1, outcome: "success" });
    await pipeline(polled.s, polled.team.slug, "ft_polled", id2);
    const run2 = await startRun(polled.s, "ft_polled");
    const viaPolling = await pollToEnd(polled.s, run2.id);
    expect([viaWebhook.status, viaWebhook.tasks[0].status]).toEqual([viaPolling.status, viaPolling.tasks[0].status]);
    expect(viaWebhook.status).toBe("succeeded");
  });

  it("tests the connection with the account info call", async () => {
    const good = await setup();
    expect((await api(`/connections/${good.conn.id}/test`, { as: good.s, method: "POST" })).json).toEqual({
      ok: true,
      message: 'signed in to Fivetran account "Fake Data Co"',
    });
    const bad = await setup({ api_key: "nope", api_secret: "nope" });
    expect((await api(`/connections/${bad.conn.id}/test`, { as: bad.s, method: "POST" })).json).toMatchObject({
      ok: false,
      message: expect.stringContaining("HTTP 401"),
    });
  });
});
