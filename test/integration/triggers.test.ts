import { workerFetch } from "../helpers/worker-fetch";
import { describe, expect, it } from "vitest";
import { signedHeaders } from "../../worker/alerting/standard-webhooks";
import { api, BASE, expectError, type Session } from "../helpers/api";
import { createTeam, createToken } from "../helpers/fixtures";
import { lineageTenant, postEvent } from "../helpers/lineage";
import { dbtFixture } from "../helpers/lineage-fixtures";
import { createToolConnection, pushPipeline, toolTask } from "../helpers/pipelines";
import { drain, eventually } from "../helpers/wait";

type Run = { id: string; status: string; params?: Record<string, unknown>; trigger: { kind: string; ref: string | null } };

async function runsOf(s: Session, pipeline: string): Promise<Run[]> {
  return (await api(`/runs?pipeline=${pipeline}&limit=100`, { as: s })).json.items;
}

const push = (s: Session | string, spec: Record<string, unknown>, query = "") =>
  api(`/pipelines${query}`, { as: s, body: { spec_text: JSON.stringify(spec), format: "json" } });

// ---- webhook trigger ------------------------------------------------------------------------

async function webhookPipeline(name = "on_hook") {
  const { s, teamId } = await lineageTenant();
  await createToolConnection(s, teamId);
  const team = (await api("/me", { as: s })).json.teams[0] as { slug: string };
  const pushed = await pushPipeline(s, {
    name,
    team: team.slug,
    params: { full_refresh: false, region: "eu", limit: null },
    triggers: [{ webhook: {} }],
    tasks: [toolTask("x")],
  });
  const made = await api(`/pipelines/${name}/webhook-secret`, { as: s, method: "POST" });
  expect(made.status).toBe(201);
  return { s, pipelineId: pushed.pipeline.id as string, url: made.json.url as string, secret: made.json.secret as string };
}

async function deliver(url: string, secret: string, body: string, opts: { id?: string; at?: number } = {}) {
  const id = opts.id ?? `msg_${crypto.randomUUID()}`;
  const headers = await signedHeaders(secret, id, opts.at ?? Math.floor(Date.now() / 1000), body);
  const res = await workerFetch(url, { method: "POST", headers: { ...headers, "content-type": "application/json" }, body });
  const text = await res.text();
  return { status: res.status, json: text ? JSON.parse(text) : null };
}

describe("webhook trigger", () => {
  it("a signed delivery starts one run with the body's fields as params; the secret is shown once", async () => {
    const { s, url, secret, pipelineId } = await webhookPipeline();
    expect(url).toBe(`${BASE}/webhooks/pipelines/${pipelineId}`);
    expect(secret).toMatch(/^whsec_/);
    const res = await deliver(url, secret, JSON.stringify({ full_refresh: true, region: "us" }), { id: "msg_first" });
    expect(res.status).toBe(202);
    const run = (await api(`/runs/${res.json.run_id}`, { as: s })).json;
    expect(run.trigger).toMatchObject({ kind: "webhook", ref: "msg_first" });
    expect(run.params).toEqual({ full_refresh: true, region: "us", limit: null });
    const triggers = (await api("/pipelines/on_hook/triggers", { as: s })).json;
    expect(triggers.webhook).toMatchObject({ url, secret_set: true });
    expect(JSON.stringify(triggers)).not.toContain(secret);
  });

  it("replays and copies sent at the same moment start one run", async () => {
    const { s, url, secret } = await webhookPipeline();
    const body = JSON.stringify({ region: "apac" });
    const answers = await Promise.all(Array.from({ length: 5 }, () => deliver(url, secret, body, { id: "msg_dup" })));
    expect(answers.map((a) => a.status)).toEqual([202, 202, 202, 202, 202]);
    expect(new Set(answers.map((a) => a.json.run_id)).size).toBe(1);
    // A retry later, with a new timestamp and signature, as senders do: still the same run.
    const replay = await deliver(url, secret, body, { id: "msg_dup", at: Math.floor(Date.now() / 1000) + 60 });
    expect(replay.json).toMatchObject({ run_id: answers[0].json.run_id, deduplicated: true });
    await drain();
    expect(await runsOf(s, "on_hook")).toHaveLength(1);
  });

  it("a wrong signature, a stale timestamp or a rotated secret is 401 and starts nothing", async () => {
    const { s, url, secret } = await webhookPipeline();
    const body = "{}";
    expectError(await deliver(url, `whsec_${btoa("x".repeat(32))}`, body), 401, "unauthorized");
    expectError(await deliver(url, secret, body, { at: Math.floor(Date.now() / 1000) - 6 * 60 }), 401, "unauthorized");
    const unsigned = await workerFetch(url, { method: "POST", body });
    expect(unsigned.status).toBe(401);
    const rotated = await api("/pipelines/on_hook/webhook-secret", { as: s, method: "POST" });
    expect(rotated.json.rotated).toBe(true);
    expectError(await deliver(url, secret, body), 401, "unauthorized");
    expect((await deliver(url, rotated.json.secret, body)).status).toBe(202);
    await drain();
    expect(await runsOf(s, "on_hook")).toHaveLength(1);
  });

  it("params outside the declared ones, or of another type, are refused with 400 naming the field", async () => {
    const { s, url, secret } = await webhookPipeline();
    const unknown = await deliver(url, secret, JSON.stringify({ region: "eu", fulll_refresh: true }));
    expectError(unknown, 400, "validation_failed");
    expect(unknown.json.error.details).toEqual([{ path: "body.fulll_refresh", message: expect.stringContaining("not a param") }]);
    const wrongType = await deliver(url, secret, JSON.stringify({ full_refresh: "yes" }));
    expect(wrongType.json.error.details).toEqual([{ path: "body.full_refresh", message: expect.stringContaining("must be a boolean") }]);
    expectError(await deliver(url, secret, "[1]"), 400, "validation_failed");
    await drain();
    expect(await runsOf(s, "on_hook")).toHaveLength(0);
  });

  it("another tenant's secret does not open a pipeline's URL, and unknown ids are 404", async () => {
    const a = await webhookPipeline();
    const b = await webhookPipeline();
    expectError(await deliver(a.url, b.secret, "{}"), 401, "unauthorized");
    expectError(await deliver(`${BASE}/webhooks/pipelines/pl_00000000000000000000`, a.secret, "{}"), 404, "not_found");
    await drain();
    expect(await runsOf(a.s, "on_hook")).toHaveLength(0);
    expect(await runsOf(b.s, "on_hook")).toHaveLength(0);
  });

  it("a pipeline without a webhook trigger gets no secret (409) and its URL is 404", async () => {
    const { s, teamId } = await lineageTenant();
    await createToolConnection(s, teamId);
    const team = (await api("/me", { as: s })).json.teams[0] as { slug: string };
    const pushed = await pushPipeline(s, { name: "plain", team: team.slug, tasks: [toolTask("x")] });
    expectError(await api("/pipelines/plain/webhook-secret", { as: s, method: "POST" }), 409, "conflict");
    const res = await workerFetch(`${BASE}/webhooks/pipelines/${pushed.pipeline.id}`, { method: "POST", body: "{}" });
    expect(res.status).toBe(404);
  });
});

// ---- dataset triggers -----------------------------------------------------------------------

const NS = "snowflake://acme";
const iso = (ms: number) => new Date(ms).toISOString();
const H = 3_600_000;

function complete(job: { namespace: string; name: string }, outputs: string[], at: number, runId: string = crypto.randomUUID()) {
  return {
    eventType: "COMPLETE",
    eventTime: iso(at),
    producer: "https://example.com/trigger-test",
    schemaURL: "https://openlineage.io/spec/2-0-2/OpenLineage.json#/$defs/RunEvent",
    run: { runId },
    job,
    inputs: [],
    outputs: outputs.map((name) => ({ namespace: NS, name })),
  };
}

/** A tenant where team "platform" (token `theirs`) owns datasets and the sign-up's team pushes pipelines triggered by them. */
async function crossTeam() {
  const { s, teamId } = await lineageTenant();
  await createToolConnection(s, teamId);
  const me = (await api("/me", { as: s })).json.teams[0] as { slug: string };
  const platform = await createTeam(s, "Platform");
  const { token: theirs } = await createToken(s, platform.id, ["lineage:write", "read"]);
  const write = (names: string[], at: number, runId?: string) =>
    postEvent(theirs, JSON.stringify(complete({ namespace: "airflow", name: "load" }, names, at, runId)));
  return { s, team: me.slug, theirs, write };
}

const ds = (name: string) => ({ namespace: NS, name });

describe("dataset triggers", () => {
  it("mode any: another team's OpenLineage COMPLETE starts a run; the same event again starts none", async () => {
    const { s, team, write } = await crossTeam();
    expect((await write(["RAW.ORDERS", "RAW.CUSTOMERS"], Date.now() - 2 * H)).status).toBe(201);
    // The datasets are in the catalog before the pipeline exists: their first writes are settled before the push,
    // as in "the same updates delivered twice" below (a late signal of them would count as an update).
    await drain();
    await pushPipeline(s, { name: "orders_mart", team, triggers: [{ datasets: [ds("RAW.ORDERS")] }], tasks: [toolTask("x")] });
    const runId = crypto.randomUUID();
    const at = Date.now() - H;
    expect((await write(["RAW.ORDERS"], at, runId)).status).toBe(201);
    const [run] = await eventually(async () => {
      const runs = await runsOf(s, "orders_mart");
      if (runs.length !== 1) throw new Error(`runs: ${runs.length}`);
      return runs;
    });
    expect(run.trigger.kind).toBe("dataset");
    // The client's retry is a duplicate; an unrelated dataset's write triggers nothing.
    expect((await write(["RAW.ORDERS"], at, runId)).json.status).toBe("duplicate");
    await write(["RAW.CUSTOMERS"], Date.now() - H / 2);
    await drain();
    expect(await runsOf(s, "orders_mart")).toHaveLength(1);
    const state = (await api("/pipelines/orders_mart/triggers", { as: s })).json.datasets[0];
    expect(state.datasets[0]).toMatchObject({ name: "RAW.ORDERS", in_catalog: true, updated_at: null, last_used_at: iso(at) });
  });

  it("mode all with within: runs once every dataset is written within the window of the others", async () => {
    const { s, team, write } = await crossTeam();
    const now = Date.now();
    await write(["A", "B"], now - 48 * H);
    await drain();
    await pushPipeline(s, { name: "joined", team, triggers: [{ datasets: [ds("A"), ds("B")], mode: "all", within: "6h" }], tasks: [toolTask("x")] });
    await write(["A"], now - 20 * H);
    await write(["B"], now - 10 * H);
    await drain();
    expect(await runsOf(s, "joined")).toHaveLength(0);
    // The state shows both as updated since the last run, though too far apart.
    const waiting = (await api("/pipelines/joined/triggers", { as: s })).json.datasets[0].datasets;
    expect(waiting.map((d: { updated_at: string }) => d.updated_at)).toEqual([iso(now - 20 * H), iso(now - 10 * H)]);
    await write(["A"], now - 8 * H);
    await eventually(async () => {
      if ((await runsOf(s, "joined")).length !== 1) throw new Error("no run yet");
    });
    // Used up: one more write of A alone starts nothing.
    await write(["A"], now - H);
    await drain();
    expect(await runsOf(s, "joined")).toHaveLength(1);
  });

  it("the same updates delivered twice to the engine start one run", async () => {
    const { s, team, write } = await crossTeam();
    await write(["DUP"], Date.now() - 3 * H);
    // That write's own signal travels through the notify queue: let it arrive before the trigger exists, or it starts
    // a run of its own (under load it was delivered after the push: two runs, one per write, as designed).
    await drain();
    await pushPipeline(s, { name: "dup", team, triggers: [{ datasets: [ds("DUP")] }], tasks: [toolTask("x")] });
    const { tenantRuns } = await import("../../worker/durable/client");
    const { datasetId } = await import("../../worker/lineage/ids");
    const { env } = await import("cloudflare:test");
    const id = await datasetId(s.tenant.id, NS, "DUP");
    const update = [{ datasetId: id, at: Date.now() - H, runId: null }];
    const stub = tenantRuns(env, s.tenant.id);
    const answers = await Promise.all([stub.datasetsUpdated(s.tenant.id, update), stub.datasetsUpdated(s.tenant.id, update)]);
    expect(answers.map((a) => (a.ok ? a.value.fired : -1)).sort()).toEqual([0, 1]);
    await drain();
    expect(await runsOf(s, "dup")).toHaveLength(1);
  });

  it("a dataset not in the catalog is refused at push, naming triggers[i].datasets[j]", async () => {
    const { s, team, write } = await crossTeam();
    await write(["KNOWN"], Date.now() - H);
    const res = await push(s, { name: "typo", team, triggers: [{ after: "x" }, { datasets: [ds("KNOWN"), ds("KNWON")] }], tasks: [toolTask("x")] });
    expectError(res, 400, "validation_failed");
    expect(res.json.error.details).toEqual([
      { path: "triggers[1].datasets[1]", message: expect.stringContaining('no dataset "KNWON"'), line: expect.any(Number), column: expect.any(Number) },
    ]);
  });

  it("a loop across after: and dataset triggers is refused at push, naming the loop", async () => {
    const { s, team } = await crossTeam();
    const { token } = await createToken(s, (await api("/me", { as: s })).json.teams[0].id, ["lineage:write", "read"]);
    await pushPipeline(s, { name: "report", team, tasks: [toolTask("x")] });
    await pushPipeline(s, { name: "marts", team, triggers: [{ after: "report" }], tasks: [toolTask("build")] });
    // marts' task reports what it wrote: the lineage that tells Tutti marts writes MARTS.REVENUE.
    expect((await postEvent(token, JSON.stringify(complete({ namespace: "tutti", name: "marts.build" }, ["MARTS.REVENUE"], Date.now() - H)))).status).toBe(201);
    const res = await push(s, { name: "report", team, triggers: [{ datasets: [ds("MARTS.REVENUE")] }], tasks: [toolTask("x")] });
    expectError(res, 400, "validation_failed");
    expect(res.json.error.details).toEqual([
      { path: "triggers[0].datasets[0]", message: expect.stringContaining("report → marts → report"), line: expect.any(Number), column: expect.any(Number) },
    ]);
  });
});

describe("dataset triggers fed by a Tutti task", () => {
  it("a pipeline's dbt Cloud task building a model starts the pipeline triggered by that model", async () => {
    const { fakeCredentials } = await import("../fakes/credentials");
    const { createConnection, fakePlan, fakeUrl, pollToEnd, startRun, uniqueNumber } = await import("../helpers/tool-fakes");
    const creds = fakeCredentials.dbt_cloud;
    const { s, teamId } = await lineageTenant();
    await createToolConnection(s, teamId);
    const team = (await api("/me", { as: s })).json.teams[0] as { slug: string };
    await createConnection(
      s,
      teamId,
      "dbt_cloud",
      "dbt",
      { base_url: fakeUrl("dbt_cloud"), account_id: creds.accountId, project: "jaffle_shop" },
      {
        api_token: creds.api_token,
      },
    );
    // The project's manifest, uploaded from CI, puts the models in the catalog before anything builds them.
    const manifest = JSON.parse(dbtFixture("duckdb-1.8/manifest.json"));
    expect((await api("/dbt/artifacts", { as: s, body: { project: "jaffle_shop", environment: "prod", manifest } })).status).toBe(201);
    const customers = { namespace: "dbt://jaffle_shop/prod", name: "jaffle_shop.main.customers" };
    await pushPipeline(s, { name: "customer_report", team: team.slug, triggers: [{ datasets: [customers] }], tasks: [toolTask("x")] });

    const job = uniqueNumber();
    await fakePlan("dbt_cloud", job, { polls: 1, outcome: "success" });
    await pushPipeline(s, {
      name: "dbt_build",
      team: team.slug,
      tasks: [{ id: "build", connector: "dbt_cloud", connection: "dbt", with: { job_id: job }, poll_interval: "1s" }],
    });
    const upstream = await startRun(s, "dbt_build");
    expect((await pollToEnd(s, upstream.id)).status).toBe("succeeded");
    const [run] = await eventually(async () => {
      const runs = await runsOf(s, "customer_report");
      if (runs.length !== 1) throw new Error(`runs: ${runs.length}`);
      return runs;
    });
    expect(run.trigger.kind).toBe("dataset");
  });
});
