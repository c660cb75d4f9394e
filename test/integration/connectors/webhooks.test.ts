import { env, runInDurableObject } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { fakeCredentials } from "../../fakes/credentials";
import { api, signup, type Session } from "../../helpers/api";
import { fireAlarm, isTerminal, waitForRun } from "../../helpers/engine";
import { pushPipeline, setupTenant } from "../../helpers/pipelines";
import {
  createConnection,
  deliverWebhook,
  deliveries,
  fakeComplete,
  fakeOutbox,
  fakePlan,
  fakeRelease,
  fakeUrl,
  firstTask,
  runEvents,
  startRun,
  uniqueNumber,
  waitForDeliveries,
  waitUntilHeld,
} from "../../helpers/tool-fakes";
import { everyD1 } from "../../helpers/tenant-db";
import { drain } from "../../helpers/wait";
import { sign, webhookFixture } from "../../helpers/webhook-fixtures";
import { bodyDeliveryId } from "../../../worker/connectors/webhook-signature";
import { tenantRuns } from "../../../worker/durable/client";

const dbt = fakeCredentials.dbt_cloud;
const SECRET = "whsec-test-3f9a1c";

async function tenantWith(kind: string, config: Record<string, unknown>, secrets: Record<string, string>) {
  const { s, team } = await setupTenant();
  const conn = await createConnection(s, team.id, kind, kind.replaceAll("_", "-"), config, secrets);
  return { s, team, conn };
}

const dbtTenant = (secrets: Record<string, string> = { api_token: dbt.api_token, webhook_secret: SECRET }) =>
  tenantWith("dbt_cloud", { base_url: fakeUrl("dbt_cloud"), account_id: dbt.accountId }, secrets);

const OTHER_SECRET = "whsec-other-77d02e";

/** Deliveries of `connectionId` the tenant's engine keeps parked (they matched no task of that connection). */
async function parkedOf(tenantId: string, connectionId: string) {
  return runInDurableObject(tenantRuns(env, tenantId), (_instance, state) =>
    state.storage.sql.exec("SELECT delivery_id FROM parked_deliveries WHERE connection_id = ?", connectionId).toArray(),
  );
}

/** Deliveries stored for the connection, in whichever database they landed. */
async function storedCount(connectionId: string) {
  let n = 0;
  for (const d1 of everyD1())
    n += (await d1.prepare("SELECT count(*) AS n FROM webhook_deliveries WHERE connection_id = ?").bind(connectionId).first<{ n: number }>())!.n;
  return n;
}

async function dbtPipeline(s: Session, teamSlug: string, name: string, jobId: number) {
  await pushPipeline(s, {
    name,
    team: teamSlug,
    tasks: [{ id: "build", connector: "dbt_cloud", connection: "dbt-cloud", with: { job_id: jobId, collect_artifacts: false }, poll_interval: "1h" }],
  });
}

describe("signed webhook receivers with the tools' real payloads", () => {
  const signed = [
    {
      kind: "dbt_cloud",
      fixture: "dbt_cloud_job_run_completed_success.json",
      config: () => ({ base_url: fakeUrl("dbt_cloud"), account_id: 1 }),
      secrets: { api_token: "t" },
      headers: (b: string, secret: string) => sign.dbt_cloud(b, secret),
      header: "authorization",
      delivery: "wev_2L6ZDoilyiWzKkSA59Gmc2d7FDD",
      external: "12345",
      type: "job.run.completed",
    },
    {
      kind: "fivetran",
      fixture: "fivetran_sync_end_failure_with_task.json",
      config: () => ({ base_url: fakeUrl("fivetran") }),
      secrets: { api_key: "k", api_secret: "s" },
      headers: (b: string, secret: string) => sign.fivetran(b, secret),
      header: "x-fivetran-signature-256",
      delivery: "sync_end:syn_def456:conn_abc123:2026-05-26T10:00:00.000Z",
      external: "conn_abc123",
      type: "sync_end",
    },
    {
      kind: "github_actions",
      fixture: "github_workflow_run_completed.payload.json",
      config: () => ({ base_url: fakeUrl("github_actions") }),
      secrets: { token: "t" },
      headers: (b: string, secret: string) => sign.github_actions(b, secret, "workflow_run", "72d3162e-cc78-11e3-81ab-4c9367dc0958"),
      header: "x-hub-signature-256",
      delivery: "body-hash",
      external: "289782451",
      type: "workflow_run.completed",
    },
  ] as const;

  for (const tool of signed) {
    describe(tool.kind, () => {
      it("accepts a correctly signed delivery and stores it, listed as unmatched when no run has its external id", async () => {
        const { s, conn } = await tenantWith(tool.kind, tool.config(), { ...tool.secrets, webhook_secret: SECRET });
        const body = webhookFixture(tool.fixture);
        const res = await deliverWebhook(tool.kind, conn.id, { headers: await tool.headers(body, SECRET), body });
        expect(res.status).toBe(200);
        // GitHub's delivery GUID header is not signed: its deliveries are keyed by the hash of the signed body.
        const delivery = tool.delivery === "body-hash" ? await bodyDeliveryId(new TextEncoder().encode(body)) : tool.delivery;
        expect(res.json).toEqual({ ok: true, delivery_id: delivery });
        const listed = await waitForDeliveries(s, (items) => items.length === 1, `?connector=${tool.kind}&matched=false`);
        expect(listed[0]).toMatchObject({ delivery_id: delivery, external_id: tool.external, event_type: tool.type, matched: null });
        const detail = await api(`/webhook-deliveries/${listed[0].id}`, { as: s });
        expect(detail.json.payload).toEqual(JSON.parse(body));
      });

      it("rejects a tampered body, a wrong secret and a missing signature with 401 and stores nothing", async () => {
        const { conn } = await tenantWith(tool.kind, tool.config(), { ...tool.secrets, webhook_secret: SECRET });
        const body = webhookFixture(tool.fixture);
        const good = await tool.headers(body, SECRET);
        const tampered = body.replace(/"[0-9]/, (m) => `${m.slice(0, 1)}${(Number(m[1]) + 1) % 10}`);
        expect(tampered).not.toBe(body);
        const attempts = [
          { headers: good, body: tampered },
          { headers: await tool.headers(body, "not-the-secret"), body },
          { headers: Object.fromEntries(Object.entries(good).filter(([k]) => k !== tool.header)), body },
        ];
        for (const attempt of attempts) {
          const res = await deliverWebhook(tool.kind, conn.id, attempt);
          expect(res.status).toBe(401);
          expect(res.json.error.code).toBe("unauthorized");
        }
        await drain();
        expect(await storedCount(conn.id)).toBe(0);
      });
    });
  }

  it("the signature's letter case is part of the format: Fivetran lowercase and dbt Cloud uppercase are refused", async () => {
    const ft = await tenantWith("fivetran", { base_url: fakeUrl("fivetran") }, { api_key: "k", api_secret: "s", webhook_secret: SECRET });
    const body = webhookFixture("fivetran_sync_start.json");
    const upper = await sign.fivetran(body, SECRET);
    const lower = { ...upper, "x-fivetran-signature-256": upper["x-fivetran-signature-256"].toLowerCase() };
    expect((await deliverWebhook("fivetran", ft.conn.id, { headers: lower, body })).status).toBe(401);
    expect((await deliverWebhook("fivetran", ft.conn.id, { headers: upper, body })).status).toBe(200);
    await waitForDeliveries(ft.s, (items) => items.length === 1);

    const d = await dbtTenant();
    const dbody = webhookFixture("dbt_cloud_job_run_started.json");
    const hex = (await sign.dbt_cloud(dbody, SECRET)).authorization;
    expect((await deliverWebhook("dbt_cloud", d.conn.id, { headers: { authorization: hex.toUpperCase() }, body: dbody })).status).toBe(401);
  });

  it("an unknown connection, or one of another kind, is 404; a connection without a webhook secret is 401", async () => {
    const body = webhookFixture("dbt_cloud_job_run_started.json");
    const headers = await sign.dbt_cloud(body, SECRET);
    expect((await deliverWebhook("dbt_cloud", "conn_doesnotexist0000000", { headers, body })).status).toBe(404);
    const gh = await tenantWith("github_actions", { base_url: fakeUrl("github_actions") }, { token: "t", webhook_secret: SECRET });
    expect((await deliverWebhook("dbt_cloud", gh.conn.id, { headers, body })).status).toBe(404);
    const noSecret = await dbtTenant({ api_token: dbt.api_token });
    const res = await deliverWebhook("dbt_cloud", noSecret.conn.id, { headers, body });
    expect(res.status).toBe(401);
    expect(res.json.error.message).toContain("webhook_secret");
    await drain();
    expect(await storedCount(noSecret.conn.id)).toBe(0);
  });

  it("the same delivery sent 5 times at once is stored once and changes the task once", async () => {
    const { s, team, conn } = await dbtTenant();
    const job = uniqueNumber();
    // The fixture is about dbt Cloud run 12345: make the fake's run for this job that one.
    await fakePlan("dbt_cloud", job, { run_id: 12345, polls: 1000 });
    await dbtPipeline(s, team.slug, "dup", job);
    const run = await startRun(s, "dup");
    await waitForRun(s, run.id, (r) => r.tasks[0].status === "triggered");
    const body = webhookFixture("dbt_cloud_job_run_started.json");
    const headers = await sign.dbt_cloud(body, SECRET);
    const results = await Promise.all(Array.from({ length: 5 }, () => deliverWebhook("dbt_cloud", conn.id, { headers, body })));
    expect(results.map((r) => r.status)).toEqual([200, 200, 200, 200, 200]);
    // All five copies have been through the queue once the row counts them; the first one was applied.
    const [applied] = await waitForDeliveries(s, (items) => items[0]?.copies === 5 && items[0].matched !== null);
    expect(applied).toMatchObject({ delivery_id: "wev_2L6Z3l8uPedXKPq9D2nWbPIip7Z", matched: { run_id: run.id, task_key: "build" } });
    await waitForRun(s, run.id, (r) => r.tasks[0].status === "running");
    await drain();
    const transitions = (await runEvents(s, run.id)).filter((e) => e.task === "build" && e.reason === "running (webhook)");
    expect(transitions).toHaveLength(1);
    expect(await storedCount(conn.id)).toBe(1);
  });

  it("a delivery on another connection's URL never advances a task, even when it names the task's external run id", async () => {
    const { s, team, conn } = await dbtTenant();
    const other = await createConnection(
      s,
      team.id,
      "dbt_cloud",
      "dbt-other",
      { base_url: fakeUrl("dbt_cloud"), account_id: dbt.accountId },
      { api_token: "other", webhook_secret: OTHER_SECRET },
    );
    const job = uniqueNumber();
    await fakePlan("dbt_cloud", job, { run_id: 12345, polls: 1000 });
    await dbtPipeline(s, team.slug, "scoped", job);
    const run = await startRun(s, "scoped");
    await waitForRun(s, run.id, (r) => firstTask(r).status === "triggered" && firstTask(r).external_id === "12345");
    const body = webhookFixture("dbt_cloud_job_run_started.json");
    // Correctly signed for the other connection, about dbt Cloud run 12345, which the task runs on its own connection.
    expect((await deliverWebhook("dbt_cloud", other.id, { headers: await sign.dbt_cloud(body, OTHER_SECRET), body })).status).toBe(200);
    // Once everything it caused is done: handed to the engine and parked under the other connection, nothing of it
    // reached the task.
    await drain();
    expect(await parkedOf(s.tenant.id, other.id)).toHaveLength(1);
    expect(firstTask(await waitForRun(s, run.id, () => true)).status).toBe("triggered");
    expect((await runEvents(s, run.id)).filter((e) => e.reason === "running (webhook)")).toEqual([]);
    // The same delivery on the task's own connection is applied.
    expect((await deliverWebhook("dbt_cloud", conn.id, { headers: await sign.dbt_cloud(body, SECRET), body })).status).toBe(200);
    await waitForRun(s, run.id, (r) => firstTask(r).status === "running");
    const byConnection = await waitForDeliveries(s, (items) => items.length === 2 && items.some((d) => d.matched !== null));
    expect(byConnection.find((d) => d.matched !== null)).toMatchObject({ connection_id: conn.id });
  });

  it("a webhook that arrives before the trigger call returns is still applied to its task", async () => {
    const { s, team, conn } = await dbtTenant({ api_token: dbt.api_token, webhook_secret: dbt.webhook_secret });
    const job = uniqueNumber();
    const runId = uniqueNumber();
    await fakePlan("dbt_cloud", job, { run_id: runId, polls: 1000, hold: ["trigger"] });
    await dbtPipeline(s, team.slug, "early", job);
    const run = await startRun(s, "early");
    // dbt Cloud has created the run but its answer to the trigger is still on the way; the run finishes meanwhile.
    await waitUntilHeld("dbt_cloud", job, "trigger");
    await fakeComplete("dbt_cloud", job, "success");
    const outbox = await fakeOutbox("dbt_cloud", job);
    for (const delivery of outbox) expect((await deliverWebhook("dbt_cloud", conn.id, delivery)).status).toBe(200);
    // Stored, and matched nothing: no task knows dbt Cloud's run id yet.
    await waitForDeliveries(s, (items) => items.length === outbox.length && items.every((d) => d.matched === null));
    expect(firstTask(await waitForRun(s, run.id, () => true)).external_id).toBeNull();
    await fakeRelease("dbt_cloud", job, "trigger");
    // The trigger answer says "queued"; the parked webhook then asks for a status check, which finds the run done.
    await waitForRun(s, run.id, (r) => firstTask(r).external_id === String(runId));
    await fireAlarm(s.tenant.id);
    const done = await waitForRun(s, run.id, isTerminal);
    expect(done.status).toBe("succeeded");
    expect((await runEvents(s, run.id)).filter((e) => e.task === "build").map((e) => e.reason)).toContain("succeeded (poll)");
  });

  it("Airbyte notifications: the URL token is the proof; test pings are stored without touching any run", async () => {
    const creds = fakeCredentials.airbyte;
    const { s, conn } = await tenantWith("airbyte", { base_url: `${fakeUrl("airbyte")}/v1` }, { api_token: creds.api_token, webhook_secret: SECRET });
    for (const name of [
      "airbyte_job_success.json",
      "airbyte_job_failure.json",
      "airbyte_cloud_job_payload_success.json",
      "airbyte_test_hello_world_success.json",
    ]) {
      const body = webhookFixture(name);
      expect((await deliverWebhook("airbyte", conn.id, { headers: { "content-type": "application/json" }, body })).status).toBe(401);
      const res = await deliverWebhook("airbyte", conn.id, { headers: { "content-type": "application/json" }, body }, `?token=${SECRET}`);
      expect(res.status).toBe(200);
    }
    const listed = await waitForDeliveries(s, (items) => items.length === 4, "?connector=airbyte");
    expect(listed.map((d) => d.event_type).sort()).toEqual(["notification", "sync.failed", "sync.succeeded", "sync.succeeded"]);
    expect(listed.find((d) => d.event_type === "sync.failed")).toMatchObject({
      external_id: "9988",
      delivery_id: "64d901a1-2520-4d91-93c8-9df438668ff0:9988:false",
    });
  });

  it("GitHub workflow_job and workflow_run fixtures map to the workflow run they belong to", async () => {
    const { s, conn } = await tenantWith("github_actions", { base_url: fakeUrl("github_actions") }, { token: "t", webhook_secret: SECRET });
    for (const [name, event] of [
      ["github_workflow_run_requested.payload.json", "workflow_run"],
      ["github_workflow_job_completed_failure.payload.json", "workflow_job"],
    ] as const) {
      const body = webhookFixture(name);
      expect((await deliverWebhook("github_actions", conn.id, { headers: await sign.github_actions(body, SECRET, event), body })).status).toBe(200);
    }
    const listed = await waitForDeliveries(s, (items) => items.length === 2, "?connector=github_actions");
    expect(listed.map((d) => [d.event_type, d.external_id]).sort()).toEqual([
      ["workflow_job.completed", "2202229078"],
      ["workflow_run.requested", "289782451"],
    ]);
  });

  it("deliveries are visible to their tenant only", async () => {
    const { s, conn } = await dbtTenant();
    const body = webhookFixture("dbt_cloud_job_run_errored.json");
    await deliverWebhook("dbt_cloud", conn.id, { headers: await sign.dbt_cloud(body, SECRET), body });
    const [mine] = await waitForDeliveries(s, (items) => items.length === 1);
    const other = await signup();
    expect(await deliveries(other)).toEqual([]);
    expect((await api(`/webhook-deliveries/${mine.id}`, { as: other })).status).toBe(404);
  });
});
