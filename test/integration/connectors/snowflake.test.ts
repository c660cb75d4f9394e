import { abortAllDurableObjects, env, runDurableObjectAlarm, runInDurableObject } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { fakeCredentials } from "../../fakes/credentials";
import { api, type Session } from "../../helpers/api";
import { advance, isTerminal, waitForRun } from "../../helpers/engine";
import { pushPipeline, setupTenant } from "../../helpers/pipelines";
import { createConnection, fakePlan, fakeRelease, fakeRequests, fakeUrl, firstTask, pollToEnd, startRun, waitUntilHeld } from "../../helpers/tool-fakes";
import { snowflakeConnector } from "../../../worker/connectors/snowflake/connector";
import { SnowflakeConfig, SnowflakeWith } from "../../../worker/connectors/snowflake/schema";
import type { ConnectorContext } from "../../../worker/connectors/types";
import { tenantRuns } from "../../../worker/durable/client";
import { unwrap } from "../../../worker/durable/result";
import type { TenantRuns } from "../../../worker/durable/tenant-runs";
import { keyPair } from "../../helpers/rsa-keys";
import { drain } from "../../helpers/wait";
import { tenantD1 } from "../../helpers/tenant-db";

const creds = fakeCredentials.snowflake;
const config = () => ({
  base_url: fakeUrl("snowflake"),
  account: creds.account.toLowerCase(),
  user: "tutti_svc",
  warehouse: "TRANSFORM_WH",
  database: "ANALYTICS",
  role: "TUTTI",
});
const uniqueStatement = (sql = "insert into analytics.public.daily select * from raw.daily where day = ?") => `${sql} /* ${crypto.randomUUID()} */`;

async function setup(secrets: Record<string, string> = { token: creds.token }) {
  const { s, team } = await setupTenant();
  const conn = await createConnection(s, team.id, "snowflake", "sf", config(), secrets);
  return { s, team, conn };
}

async function pipeline(
  s: Session,
  teamSlug: string,
  name: string,
  statement: string,
  task: Record<string, unknown> = {},
  withExtra: Record<string, unknown> = {},
) {
  await pushPipeline(s, {
    name,
    team: teamSlug,
    params: { day: "2026-11-24" },
    tasks: [{ id: "load", connector: "snowflake", connection: "sf", with: { statement, ...withExtra }, poll_interval: "1s", ...task }],
  });
}

async function costFacts(tenantId: string) {
  const rows = await (await tenantD1(tenantId))
    .prepare("SELECT external_ref, run_id, task_key, facts FROM cost_facts WHERE tenant_id = ? AND source = 'snowflake'")
    .bind(tenantId)
    .all();
  return rows.results as Array<{ external_ref: string; run_id: string; task_key: string; facts: string }>;
}

/** Handles of every execution of `statement` at the fake: one per time Snowflake ran it. */
async function executionsOf(statement: string): Promise<string[]> {
  return (await fetch(`${fakeUrl("snowflake")}/__fake/executions/${encodeURIComponent(statement)}`)).json();
}

function statementRequests(all: Awaited<ReturnType<typeof fakeRequests>>, statement: string) {
  return all.filter((r) => r.method === "POST" && r.path.startsWith("/api/v2/statements?") && JSON.parse(r.body).statement === statement);
}

describe("Snowflake connector against its fake", () => {
  it("a DML statement that changed no rows (the result's stats) skips the task downstream of it, which Snowflake never runs; one that changed rows lets it run", async () => {
    const { s, team } = await setup();
    const load = uniqueStatement(
      "merge into analytics.public.daily d using raw.daily r on d.id = r.id when matched then update set d.v = r.v when not matched then insert (id, v) values (r.id, r.v)",
    );
    const publish = uniqueStatement("insert into analytics.public.daily_published select * from analytics.public.daily");
    await pushPipeline(s, {
      name: "sf_skip_empty",
      team: team.slug,
      tasks: [
        { id: "load", connector: "snowflake", connection: "sf", with: { statement: load }, poll_interval: "1s", skip_downstream_if_no_new_data: true },
        { id: "publish", connector: "snowflake", connection: "sf", with: { statement: publish }, poll_interval: "1s", depends_on: ["load"] },
      ],
    });
    await fakePlan("snowflake", load, { polls: 0, dml: { numRowsInserted: 0, numRowsUpdated: 0 } });
    await fakePlan("snowflake", publish, { polls: 0, dml: { numRowsInserted: 4 } });
    const done = await pollToEnd(s, (await startRun(s, "sf_skip_empty")).id);
    expect(done.status).toBe("succeeded");
    const byKey = Object.fromEntries(done.tasks.map((t: { key: string }) => [t.key, t]));
    expect(byKey.load).toMatchObject({ status: "succeeded", no_new_data: true });
    expect(byKey.publish).toMatchObject({ status: "skipped", reason: "no new data from load" });
    await drain();
    expect(await executionsOf(load)).toHaveLength(1);
    expect(await executionsOf(publish)).toHaveLength(0);

    // Rows updated (none inserted) are new data: the downstream task runs.
    await fakePlan("snowflake", load, { polls: 0, dml: { numRowsInserted: 0, numRowsUpdated: 3 } });
    const ran = await pollToEnd(s, (await startRun(s, "sf_skip_empty")).id);
    const ranByKey = Object.fromEntries(ran.tasks.map((t: { key: string }) => [t.key, t]));
    expect(ranByKey.load).toMatchObject({ status: "succeeded", no_new_data: false });
    expect(ranByKey.publish).toMatchObject({ status: "succeeded", no_new_data: false });
    expect(await executionsOf(publish)).toHaveLength(1);
  });

  it("a query (no DML stats in its result) never reports no new data, even when it returns no rows", async () => {
    const { s, team } = await setup();
    const statement = uniqueStatement("select * from analytics.public.daily where day = current_date");
    await fakePlan("snowflake", statement, { polls: 0, rows: 0 });
    await pipeline(s, team.slug, "sf_query_empty", statement, { skip_downstream_if_no_new_data: true });
    const done = await pollToEnd(s, (await startRun(s, "sf_query_empty")).id);
    expect(done.tasks[0]).toMatchObject({ status: "succeeded", no_new_data: false, outputs: { rows: 0 } });
  });

  it("submits asynchronously with query tag, bindings and a per-attempt requestId, polls 202 → 200 and records the query id", async () => {
    const { s, team } = await setup();
    const statement = uniqueStatement();
    await fakePlan("snowflake", statement, { polls: 2, outcome: "success", rows: 5 });
    await pipeline(s, team.slug, "sf_ok", statement, {}, { bindings: { "1": { type: "TEXT", value: "{{params.day}}" } } });
    const run = await startRun(s, "sf_ok");
    const done = await pollToEnd(s, run.id);
    expect(done.status).toBe("succeeded");
    const task = firstTask(done);
    expect(task.outputs).toEqual({ query_id: task.external_id, rows: 5, query_ids: [task.external_id] });

    const [submit] = statementRequests(await fakeRequests("snowflake", "/api/v2/statements"), statement);
    const query = new URL(submit.path, "http://x").searchParams;
    expect(query.get("async")).toBe("true");
    expect(query.get("requestId")).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(submit.headers).toMatchObject({
      authorization: `Bearer ${creds.token}`,
      "x-snowflake-authorization-token-type": "OAUTH",
      "user-agent": "tutti/0.1.0",
    });
    expect(JSON.parse(submit.body)).toEqual({
      statement,
      warehouse: "TRANSFORM_WH",
      database: "ANALYTICS",
      role: "TUTTI",
      bindings: { "1": { type: "TEXT", value: "2026-11-24" } },
      parameters: { query_tag: `tutti:${run.id}:load:1` },
    });

    const facts = await costFacts(s.tenant.id);
    expect(facts).toHaveLength(1);
    expect(facts[0]).toMatchObject({ external_ref: task.external_id, run_id: run.id, task_key: "load" });
    expect(JSON.parse(facts[0].facts)).toMatchObject({
      query_id: task.external_id,
      query_tag: `tutti:${run.id}:load:1`,
      warehouse: "TRANSFORM_WH",
      outcome: "succeeded",
      num_rows: 5,
    });
  });

  it("signs in with a key-pair JWT and sets MULTI_STATEMENT_COUNT; each statement's query id becomes a cost fact", async () => {
    const keys = await keyPair();
    await fetch(`${fakeUrl("snowflake")}/__fake/keys/TUTTI_SVC`, { method: "PUT", body: JSON.stringify({ public_key: keys.publicPem }) });
    const { s, team } = await setup({ private_key: keys.privatePem });
    const statement = uniqueStatement("delete from staging.orders; insert into staging.orders select * from raw.orders");
    await fakePlan("snowflake", statement, { polls: 0 });
    await pipeline(s, team.slug, "sf_jwt", statement);
    const done = await pollToEnd(s, (await startRun(s, "sf_jwt")).id);
    expect(done.status).toBe("succeeded");
    const [submit] = statementRequests(await fakeRequests("snowflake", "/api/v2/statements"), statement);
    expect(submit.headers["x-snowflake-authorization-token-type"]).toBe("KEYPAIR_JWT");
    expect(JSON.parse(submit.body).parameters.MULTI_STATEMENT_COUNT).toBe("2");
    expect(await costFacts(s.tenant.id)).toHaveLength(2);
  });

  it("counts statements like Snowflake: a `;` inside a string, identifier, $$ body or comment does not make a second one", async () => {
    const { s, team } = await setup();
    const single = uniqueStatement("insert into analytics.public.notes values ('done; next', $$a;b$$) -- one; statement");
    const double = uniqueStatement("create table \"x;y\" (note varchar); insert into \"x;y\" values ('it''s; fine')");
    for (const [name, statement] of [
      ["sf_one", single],
      ["sf_two", double],
    ]) {
      await fakePlan("snowflake", statement, { polls: 0 });
      await pipeline(s, team.slug, name, statement);
      expect((await pollToEnd(s, (await startRun(s, name)).id)).status, statement).toBe("succeeded");
    }
    const sent = async (statement: string) =>
      JSON.parse(statementRequests(await fakeRequests("snowflake", "/api/v2/statements"), statement)[0].body).parameters;
    expect(await sent(single)).not.toHaveProperty("MULTI_STATEMENT_COUNT");
    expect((await sent(double)).MULTI_STATEMENT_COUNT).toBe("2");
  });

  it("a submission whose answer is lost (504) is resubmitted under the same requestId with retry=true, and the statement runs once", async () => {
    const { s, team } = await setup();
    const statement = uniqueStatement();
    await fakePlan("snowflake", statement, { polls: 1, lost_submits: 1 });
    await pipeline(s, team.slug, "sf_lost", statement);
    const done = await pollToEnd(s, (await startRun(s, "sf_lost")).id);
    expect(done.status).toBe("succeeded");
    const submits = statementRequests(await fakeRequests("snowflake", "/api/v2/statements"), statement).map((r) => new URL(r.path, "http://x").searchParams);
    expect(submits.map((q) => q.get("retry"))).toEqual([null, "true"]);
    expect(new Set(submits.map((q) => q.get("requestId"))).size).toBe(1);
    const executions = await executionsOf(statement);
    expect(executions).toHaveLength(1);
    expect(firstTask(done).external_id).toBe(executions[0]);
  });

  it("a trigger sent again after its first delivery died says retry=true and gets the statement already running", async () => {
    const statement = uniqueStatement();
    await fakePlan("snowflake", statement, { polls: 5 });
    const input = SnowflakeWith.parse({ statement });
    const ctx = (resubmission: boolean): ConnectorContext<SnowflakeConfig> => ({
      config: SnowflakeConfig.parse(config()),
      secrets: { token: creds.token },
      fetch: (i, init) => fetch(i, init),
      run: { tenantId: "t_1", runId: `run_${crypto.randomUUID().slice(0, 8)}`, taskKey: "load", attempt: 1, pipeline: "p", params: {}, resubmission },
      callbackUrl: "https://tutti.test/cb",
    });
    const first = ctx(false);
    const submitted = await snowflakeConnector.trigger(first, input);
    const resubmitted = await snowflakeConnector.trigger({ ...first, run: { ...first.run, resubmission: true } }, input);
    expect(resubmitted.externalId).toBe(submitted.externalId);
    expect(await executionsOf(statement)).toHaveLength(1);
    // What retry=true prevents: the same requestId without it executes the statement a second time.
    await snowflakeConnector.trigger(first, input);
    expect(await executionsOf(statement)).toHaveLength(2);
  });

  it("a trigger claimed again after the first delivery's lease ran out is marked as a resubmission", async () => {
    const { s, team } = await setup();
    const statement = uniqueStatement();
    await fakePlan("snowflake", statement, { polls: 0, hold: ["submit"] });
    await pipeline(s, team.slug, "sf_reclaim", statement);
    const run = await startRun(s, "sf_reclaim");
    await waitUntilHeld("snowflake", statement, "submit");
    const stub = tenantRuns(env, s.tenant.id);
    const claim = (offsetMs: number) =>
      runInDurableObject(stub, async (instance) => {
        const runs = instance as unknown as TenantRuns;
        runs.clock = { now: () => Date.now() + offsetMs };
        return unwrap(await runs.claimDispatch({ tenantId: s.tenant.id, runId: run.id, taskKey: "load", attempt: 1, op: "trigger", seq: 0 }));
      });
    expect(await claim(0)).toEqual({ ok: false, reason: "busy" });
    expect(await claim(121_000)).toMatchObject({ ok: true, context: { resubmission: true } });
    await runInDurableObject(stub, (instance) => {
      (instance as unknown as TenantRuns).clock = { now: () => Date.now() };
    });
    await fakeRelease("snowflake", statement, "submit");
  });

  // bench:fanout's stall (docs/benchmarks.md): a call whose holder was gone for sure waited out the 120 s lease.
  it("a call the object was making when it restarted is made again at once, as a resubmission, not once the lease is over", async () => {
    const { s, team } = await setup();
    const statement = uniqueStatement();
    await fakePlan("snowflake", statement, { polls: 0, hold: ["submit"] });
    await pipeline(s, team.slug, "sf_restart", statement);
    const run = await startRun(s, "sf_restart");
    await waitUntilHeld("snowflake", statement, "submit");
    // The runtime restarts the object mid-call (an eviction, a workerd restart): the call's answer goes with it.
    await abortAllDurableObjects();
    await fakeRelease("snowflake", statement, "submit");
    // The dispatch is still in the object's outbox: its next look (the alarm) sends it again.
    await runDurableObjectAlarm(tenantRuns(env, s.tenant.id));
    const done = await waitForRun(s, run.id, isTerminal);
    expect(done.status).toBe("succeeded");
    // Sent again with retry=true, the statement Snowflake had already run was not run twice.
    expect(await executionsOf(statement)).toHaveLength(1);
  });

  it("a claim is taken over at once only from a holder that is gone: an earlier instance of the object, or the same queue message's earlier delivery", async () => {
    const { s, team } = await setup();
    const statement = uniqueStatement();
    await fakePlan("snowflake", statement, { polls: 0, hold: ["submit"] });
    await pipeline(s, team.slug, "sf_holders", statement);
    const run = await startRun(s, "sf_holders");
    await waitUntilHeld("snowflake", statement, "submit");
    const msg = { tenantId: s.tenant.id, runId: run.id, taskKey: "load", attempt: 1, op: "trigger" as const, seq: 0 };
    // A stub from before the restart is broken with the old instance: each call takes a new one.
    const claim = async (messageId: string) => unwrap(await tenantRuns(env, s.tenant.id).claimDispatch(msg, messageId));
    // The object's own call is live: a queue delivery of the same dispatch waits.
    expect(await claim("m-1")).toEqual({ ok: false, reason: "busy" });
    await abortAllDurableObjects();
    // No alarm of the new instance claims it meanwhile: each claim below is the test's.
    await runInDurableObject(tenantRuns(env, s.tenant.id), (_instance, state) => state.storage.deleteAlarm());
    expect(await claim("m-1")).toMatchObject({ ok: true, context: { resubmission: true } });
    // m-1's delivery may still be calling the tool: another message waits for it...
    expect(await claim("m-2")).toEqual({ ok: false, reason: "busy" });
    // ...but m-1 delivered again means its earlier delivery is over without having reported.
    expect(await claim("m-1")).toMatchObject({ ok: true, context: { resubmission: true } });
    await fakeRelease("snowflake", statement, "submit");
  });

  it("a failed statement (422) fails the task with Snowflake's code, SQL state and message", async () => {
    const { s, team } = await setup();
    const statement = uniqueStatement();
    await fakePlan("snowflake", statement, { polls: 1, outcome: "error" });
    await pipeline(s, team.slug, "sf_fail", statement);
    const done = await pollToEnd(s, (await startRun(s, "sf_fail")).id);
    expect(firstTask(done)).toMatchObject({
      status: "failed",
      error: { kind: "tool_failure", message: "002003 (42S02): SQL compilation error: Object 'ANALYTICS.PUBLIC.MISSING' does not exist or not authorized." },
    });
    expect(JSON.parse((await costFacts(s.tenant.id))[0].facts)).toMatchObject({ outcome: "failed" });
  });

  it("a statement Snowflake times out (408) fails the task", async () => {
    const { s, team } = await setup();
    const statement = uniqueStatement();
    await fakePlan("snowflake", statement, { polls: 1, outcome: "timeout" });
    await pipeline(s, team.slug, "sf_408", statement, {}, { timeout_seconds: 10 });
    const done = await pollToEnd(s, (await startRun(s, "sf_408")).id);
    expect(firstTask(done).error?.message).toMatch(/^the statement timed out in Snowflake and was cancelled/);
  });

  it("a rejected token fails as an auth error without retrying", async () => {
    const { s, team } = await setup({ token: "wrong" });
    await pipeline(s, team.slug, "sf_auth", uniqueStatement(), { retries: { max: 3, delay: "1s" } });
    const done = await waitForRun(s, (await startRun(s, "sf_auth")).id, isTerminal);
    expect(done.tasks[0]).toMatchObject({ status: "failed", attempt: 1, error: { kind: "auth", message: expect.stringContaining("390303") } });
  });

  it("a 429 with Retry-After delays the retry at least that long", async () => {
    const { s, team } = await setup();
    const statement = uniqueStatement();
    await fakePlan("snowflake", statement, { polls: 0, errors: { submit: [{ status: 429, retry_after: 20 }] } });
    await pipeline(s, team.slug, "sf_429", statement, { retries: { max: 2, delay: "1s", jitter: false } });
    const run = await startRun(s, "sf_429");
    await waitForRun(s, run.id, (r) => r.tasks[0].status === "up_for_retry");
    await advance(s.tenant.id, 15_000);
    expect((await waitForRun(s, run.id, () => true)).tasks[0].status).toBe("up_for_retry");
    await advance(s.tenant.id, 6_000);
    expect(await pollToEnd(s, run.id)).toMatchObject({ status: "succeeded", tasks: [{ attempt: 2 }] });
    // Attempt 2 is a new requestId: the rate-limited submission never executed.
    const ids = statementRequests(await fakeRequests("snowflake", "/api/v2/statements"), statement).map((r) =>
      new URL(r.path, "http://x").searchParams.get("requestId"),
    );
    expect(new Set(ids).size).toBe(2);
  });

  it("cancelling the run cancels the statement", async () => {
    const { s, team } = await setup();
    const statement = uniqueStatement();
    await fakePlan("snowflake", statement, { polls: 1000 });
    await pipeline(s, team.slug, "sf_cancel", statement);
    const run = await startRun(s, "sf_cancel");
    const handle = firstTask(await waitForRun(s, run.id, (r) => r.tasks[0].status === "triggered")).external_id;
    await api(`/runs/${run.id}/cancel`, { as: s, method: "POST" });
    await drain();
    expect((await fakeRequests("snowflake", `/api/v2/statements/${handle}/cancel`)).length).toBe(1);
  });

  it("a task timeout fails the task and cancels the statement", async () => {
    const { s, team } = await setup();
    const statement = uniqueStatement();
    await fakePlan("snowflake", statement, { polls: 1000 });
    await pipeline(s, team.slug, "sf_timeout", statement, { timeout: "30s", poll_interval: "10s" });
    const run = await startRun(s, "sf_timeout");
    const handle = firstTask(await waitForRun(s, run.id, (r) => r.tasks[0].status === "triggered")).external_id;
    await advance(s.tenant.id, 31_000);
    expect((await waitForRun(s, run.id, isTerminal)).tasks[0]).toMatchObject({ status: "timed_out" });
    await drain();
    expect((await fakeRequests("snowflake", `/api/v2/statements/${handle}/cancel`)).length).toBe(1);
  });

  it("tests the connection with a synchronous SELECT", async () => {
    const good = await setup();
    expect((await api(`/connections/${good.conn.id}/test`, { as: good.s, method: "POST" })).json).toMatchObject({ ok: true });
    const bad = await setup({ token: "wrong" });
    expect((await api(`/connections/${bad.conn.id}/test`, { as: bad.s, method: "POST" })).json).toMatchObject({
      ok: false,
      message: expect.stringContaining("Invalid OAuth access token."),
    });
  });
});
