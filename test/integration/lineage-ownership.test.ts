import { describe, expect, it } from "vitest";
import { alertDetail, listAlerts } from "../helpers/alerting";
import { api, expectError, type Session } from "../helpers/api";
import { createTeam, createToken } from "../helpers/fixtures";
import { withWriteHeldDuring, withWritesInFlightTogether } from "../helpers/in-flight";
import { lineageRowCounts, lineageTenant, postEvent } from "../helpers/lineage";
import { dbtFixture } from "../helpers/lineage-fixtures";
import { createToolConnection, pushPipeline, toolTask } from "../helpers/pipelines";
import { drain } from "../helpers/wait";
import { everyD1, tenantD1 } from "../helpers/tenant-db";

/** A tenant with two teams, each with a token that writes lineage and metadata: `mine` (the sign-up's team) and `theirs`. */
async function twoTeams() {
  const a = await lineageTenant();
  const team = await createTeam(a.s, "Marketing");
  const { token } = await createToken(a.s, team.id, ["lineage:write", "metadata:write", "read"]);
  return { s: a.s, mine: { teamId: a.teamId, token: a.token }, theirs: { teamId: team.id, token } };
}

interface EventSpec {
  job: { namespace: string; name: string };
  runId?: string;
  eventType?: string;
  eventTime?: string;
  inputs?: unknown[];
  outputs?: unknown[];
  runFacets?: Record<string, unknown>;
}

const runEvent = (e: EventSpec) => ({
  eventType: e.eventType ?? "COMPLETE",
  eventTime: e.eventTime ?? "2020-01-01T06:00:00Z",
  producer: "https://example.com/ownership-test",
  schemaURL: "https://openlineage.io/spec/2-0-2/OpenLineage.json#/$defs/RunEvent",
  run: { runId: e.runId ?? crypto.randomUUID(), facets: e.runFacets ?? {} },
  job: e.job,
  inputs: e.inputs ?? [],
  outputs: e.outputs ?? [],
});

const post = (token: string, body: unknown) => postEvent(token, JSON.stringify(body));
const schemaFacet = (...fields: string[]) => ({
  _producer: "https://example.com/ownership-test",
  _schemaURL: "https://openlineage.io/spec/facets/1-1-1/SchemaDatasetFacet.json",
  fields: fields.map((name) => ({ name, type: "string" })),
});
const assertions = (success: boolean) => ({
  dataQualityAssertions: {
    _producer: "https://example.com/ownership-test",
    _schemaURL: "https://openlineage.io/spec/facets/1-0-1/DataQualityAssertionsDatasetFacet.json",
    assertions: [{ assertion: "not_null", success, column: "order_id" }],
  },
});

async function dataset(token: string, namespace: string, name: string) {
  const found = (await api(`/datasets?namespace=${encodeURIComponent(namespace)}&name=${encodeURIComponent(name)}`, { as: token })).json.items[0];
  return found ? (await api(`/datasets/${found.id}`, { as: token })).json : undefined;
}

describe("OpenLineage events from the future", () => {
  it("an eventTime more than five minutes ahead of Tutti's clock is refused naming eventTime; one a minute ahead is accepted", async () => {
    const { s, token } = await lineageTenant();
    const ahead = (minutes: number) => new Date(Date.now() + minutes * 60_000).toISOString();
    const job = { namespace: "airflow", name: "clock.skew" };
    const future = await post(token, runEvent({ job, eventTime: ahead(60) }));
    expectError(future, 400, "validation_failed");
    expect(future.json.error.details.map((d: any) => d.path)).toEqual(["eventTime"]);
    expect(Object.values(await lineageRowCounts(s.tenant.id)).every((n) => n === 0)).toBe(true);
    expect((await post(token, runEvent({ job, eventTime: ahead(1) }))).status).toBe(201);
  });

  it("in a batch, the event from the future is reported by index and the others are stored", async () => {
    const { token } = await lineageTenant();
    const job = { namespace: "airflow", name: "clock.batch" };
    const res = await api("/lineage/batch", {
      as: token,
      body: [runEvent({ job }), runEvent({ job, eventTime: new Date(Date.now() + 3_600_000).toISOString() })],
    });
    expect(res.status, res.text).toBe(200);
    expect(res.json.summary).toMatchObject({ received: 2, successful: 1, failed: 1, non_retriable: 1 });
    expect(res.json.failed_events).toEqual([
      { index: 1, reason: expect.stringMatching(/^eventTime: /), retriable: false, details: [{ path: "eventTime", message: expect.any(String) }] },
    ]);
  });
});

describe("Tutti's job namespace speaks for the pipeline's team", () => {
  async function pipelineOfMine() {
    const t = await twoTeams();
    const me = await api("/me", { as: t.s });
    const slug = me.json.teams.find((x: any) => x.id === t.mine.teamId).slug;
    await createToolConnection(t.s, t.mine.teamId);
    await pushPipeline(t.s, { name: "daily", team: slug, tasks: [toolTask("load")] });
    return t;
  }

  it("another team's token cannot report a task of my pipeline, as its job or as a run's parent", async () => {
    const { s, theirs } = await pipelineOfMine();
    const claim = await post(
      theirs.token,
      runEvent({ job: { namespace: "tutti", name: "daily.load" }, outputs: [{ namespace: "warehouse", name: "orders" }] }),
    );
    expectError(claim, 400, "validation_failed");
    expect(claim.json.error.details).toEqual([{ path: "job.namespace", message: expect.stringContaining('pipeline "daily" belongs to another team') }]);
    const parent = { parent: { _producer: "x", _schemaURL: "x", run: { runId: crypto.randomUUID() }, job: { namespace: "tutti", name: "daily.load" } } };
    const child = await post(theirs.token, runEvent({ job: { namespace: "spark", name: "child" }, runFacets: parent }));
    expectError(child, 400, "validation_failed");
    expect(child.json.error.details.map((d: any) => d.path)).toEqual(["run.facets.parent.job.namespace"]);
    expect(Object.values(await lineageRowCounts(s.tenant.id)).every((n) => n === 0)).toBe(true);
  });

  it("names that are not a task of an existing pipeline, or spell the namespace differently, are refused", async () => {
    const { mine } = await pipelineOfMine();
    for (const job of [
      { namespace: "tutti", name: "nope.load" },
      { namespace: "tutti", name: "daily" },
      { namespace: "Tutti", name: "daily.load" },
    ]) {
      const res = await post(mine.token, runEvent({ job }));
      expectError(res, 400, "validation_failed");
      expect(
        res.json.error.details.map((d: any) => d.path),
        job.name,
      ).toEqual(["job.namespace"]);
    }
    const batch = await api("/lineage/batch", {
      as: mine.token,
      body: [runEvent({ job: { namespace: "tutti", name: "nope.load" } }), runEvent({ job: { namespace: "airflow", name: "fine" } })],
    });
    expect(batch.json.failed_events.map((f: any) => [f.index, f.details[0].path])).toEqual([[0, "job.namespace"]]);
  });

  it("the pipeline's own team reports its tasks' lineage there", async () => {
    const { mine } = await pipelineOfMine();
    const res = await post(mine.token, runEvent({ job: { namespace: "tutti", name: "daily.load" }, outputs: [{ namespace: "warehouse", name: "orders" }] }));
    expect(res.status, res.text).toBe(201);
    const jobs = await api("/jobs?namespace=tutti&name=daily.load", { as: mine.token });
    expect(jobs.json.items[0]).toMatchObject({ owner_team: { id: mine.teamId } });
  });
});

describe("another team's datasets keep their own facts", () => {
  it("an event from another team is stored with its lineage but does not move my dataset's freshness, facets, kind or owner", async () => {
    const { mine, theirs } = await twoTeams();
    const orders = { namespace: "warehouse", name: "orders" };
    const written = await post(
      mine.token,
      runEvent({
        job: { namespace: "airflow", name: "mine.load" },
        eventTime: "2020-01-01T06:00:00Z",
        outputs: [{ ...orders, facets: { schema: schemaFacet("order_id") } }],
      }),
    );
    expect(written.status).toBe(201);

    const runId = crypto.randomUUID();
    const foreign = await post(
      theirs.token,
      runEvent({
        job: { namespace: "airflow", name: "theirs.rewrite" },
        runId,
        eventTime: "2020-02-01T06:00:00Z",
        outputs: [
          { ...orders, facets: { schema: schemaFacet("hijacked"), datasetType: { _producer: "x", _schemaURL: "x", datasetType: "VIEW" } } },
          { namespace: "warehouse", name: "their_table" },
        ],
      }),
    );
    expect(foreign.status, foreign.text).toBe(201);
    expect(foreign.json.status).toBe("accepted");

    const mineNow = await dataset(mine.token, orders.namespace, orders.name);
    expect(mineNow).toMatchObject({
      owner_team: { id: mine.teamId },
      last_write_at: "2020-01-01T06:00:00.000Z",
      kind: "dataset",
      schema: [{ name: "order_id" }],
    });
    // Their own new table is theirs and fresh from the same event.
    expect(await dataset(theirs.token, "warehouse", "their_table")).toMatchObject({
      owner_team: { id: theirs.teamId },
      last_write_at: "2020-02-01T06:00:00.000Z",
    });
    // The lineage is kept: their job wrote my dataset, and the raw event is there to read.
    const runs = await api(`/datasets/${mineNow.id}/runs?role=output`, { as: theirs.token });
    expect(runs.json.items.map((r: any) => r.job.name).sort()).toEqual(["mine.load", "theirs.rewrite"]);
    const theirRun = runs.json.items.find((r: any) => r.job.name === "theirs.rewrite");
    expect((await api(`/job-runs/${theirRun.run.id}/events`, { as: theirs.token })).json.items).toHaveLength(1);
  });

  it("another team's passing assertion on my dataset does not resolve my quality alert nor change its checks", async () => {
    const { s, mine, theirs } = await twoTeams();
    const orders = { namespace: "warehouse", name: "orders" };
    const check = (token: string, job: string, success: boolean, eventTime: string) =>
      post(token, runEvent({ job: { namespace: "ge", name: job }, eventTime, inputs: [{ ...orders, inputFacets: assertions(success) }] }));
    expect((await check(mine.token, "mine.validate", false, new Date(Date.now() - 60_000).toISOString())).status).toBe(201);
    await drain();
    const [alert, ...others] = await listAlerts(s, "kind=quality_failed");
    expect(others).toEqual([]);

    expect((await check(theirs.token, "theirs.validate", true, new Date().toISOString())).status).toBe(201);
    await drain();
    expect((await listAlerts(s, "kind=quality_failed")).map((a) => a.id)).toEqual([alert.id]);
    expect((await alertDetail(s, alert.id)).status).toBe("open");
    const ds = await dataset(mine.token, orders.namespace, orders.name);
    const history = await api(`/datasets/${ds.id}/quality`, { as: mine.token });
    expect(history.json.items.map((q: any) => q.status)).toEqual(["fail"]);
    const graph = await api(`/lineage/graph?node=${ds.id}&depth=1`, { as: mine.token });
    expect(graph.json.nodes.find((n: any) => n.id === ds.id).failing_checks).toBe(1);
  });
});

describe("another team's jobs and runs", () => {
  it("events about another team's job, or reusing its run id, are refused and leave its run as it was", async () => {
    const { mine, theirs } = await twoTeams();
    const job = { namespace: "airflow", name: "mine.dag" };
    const runId = crypto.randomUUID();
    expect((await post(mine.token, runEvent({ job, runId, eventType: "START" }))).status).toBe(201);

    const sameJob = await post(theirs.token, runEvent({ job, eventTime: "2020-01-01T07:00:00Z" }));
    expectError(sameJob, 403, "forbidden");
    expect(sameJob.json.error.details.map((d: any) => d.path)).toEqual(["job.name"]);
    const sameRun = await post(theirs.token, runEvent({ job: { namespace: "airflow", name: "theirs.dag" }, runId, eventTime: "2020-01-01T07:00:00Z" }));
    expectError(sameRun, 403, "forbidden");
    expect(sameRun.json.error.details.map((d: any) => d.path)).toEqual(["run.runId"]);
    const batch = await api("/lineage/batch", {
      as: theirs.token,
      body: [runEvent({ job: { namespace: "airflow", name: "theirs.ok" } }), runEvent({ job, runId, eventType: "FAIL" })],
    });
    expect(batch.json.failed_events.map((f: any) => [f.index, f.details[0].path, f.retriable])).toEqual([[1, "job.name", false]]);

    const jobRow = (await api(`/jobs?namespace=airflow&name=mine.dag`, { as: mine.token })).json.items[0];
    const runs = (await api(`/jobs/${jobRow.id}/runs`, { as: mine.token })).json.items;
    expect(runs.map((r: any) => r.state)).toEqual(["running"]);
    for (const d1 of everyD1()) {
      const count = await d1.prepare("SELECT count(*) AS n FROM jobs WHERE namespace = 'airflow' AND name = 'theirs.dag'").first<{ n: number }>();
      expect(count!.n).toBe(0);
    }
  });
});

describe("another team's jobs and runs are checked by the write itself", () => {
  const runsOf = async (token: string, job: { namespace: string; name: string }) => {
    const found = (await api(`/jobs?namespace=${job.namespace}&name=${encodeURIComponent(job.name)}`, { as: token })).json.items[0];
    return found ? { owner: found.owner_team?.id, runs: (await api(`/jobs/${found.id}/runs`, { as: token })).json.items } : undefined;
  };

  it("two teams' events for the same new job in flight together: one team creates and owns it, the other's event is refused and stores nothing", async () => {
    const { s, mine, theirs } = await twoTeams();
    const job = { namespace: "airflow", name: "contested.dag" };
    const [a, b] = await withWritesInFlightTogether(/INSERT INTO lineage_events/, 2, () =>
      Promise.all([post(mine.token, runEvent({ job, eventType: "START" })), post(theirs.token, runEvent({ job, eventType: "FAIL" }))]),
    );
    expect([a.status, b.status].sort()).toEqual([201, 403]);
    const [winner, refused] = a.status === 201 ? [mine, b] : [theirs, a];
    expect(refused.json.error.details.map((d: any) => d.path)).toEqual(["job.name"]);
    const found = await runsOf(mine.token, job);
    expect(found?.owner).toBe(winner.teamId);
    expect(found?.runs.map((r: any) => r.state)).toEqual([winner === mine ? "running" : "failed"]);
    const events = await (await tenantD1(s.tenant.id))
      .prepare("SELECT count(*) AS n FROM lineage_events WHERE tenant_id = ?")
      .bind(s.tenant.id)
      .first<{ n: number }>();
    expect(events!.n).toBe(1);
    const audit = await api("/audit-log?action=lineage.ingest", { as: s });
    expect(audit.json.items.map((e: any) => e.team_id)).toEqual([winner.teamId]);
  });

  it("two teams' events reusing one new run id in flight together: the run is recorded under one team's job, the other's event is refused", async () => {
    const { mine, theirs } = await twoTeams();
    const runId = crypto.randomUUID();
    const mineJob = { namespace: "airflow", name: "mine.run" };
    const theirJob = { namespace: "airflow", name: "theirs.run" };
    const [a, b] = await withWritesInFlightTogether(/INSERT INTO lineage_events/, 2, () =>
      Promise.all([post(mine.token, runEvent({ job: mineJob, runId })), post(theirs.token, runEvent({ job: theirJob, runId }))]),
    );
    expect([a.status, b.status].sort()).toEqual([201, 403]);
    const refused = a.status === 201 ? b : a;
    // The refused event's job is created by nothing either: its path names the run, not the job.
    expect(refused.json.error.details.map((d: any) => d.path)).toEqual(["run.runId"]);
    const [winnerJob, loserJob] = a.status === 201 ? [mineJob, theirJob] : [theirJob, mineJob];
    expect((await runsOf(mine.token, winnerJob))?.runs).toHaveLength(1);
    expect(await runsOf(mine.token, loserJob)).toBeUndefined();
  });

  it("in a batch, an event about a job another team created meanwhile is refused by index and the batch's other events are stored", async () => {
    const { mine, theirs } = await twoTeams();
    // My dbt project's invocation job, created by my upload while their batch naming it is on its way.
    const contested = { namespace: "dbt://jaffle_bq/prod", name: "dbt build" };
    const own = { namespace: "airflow", name: "theirs.own" };
    const res = await withWriteHeldDuring(
      /INSERT INTO lineage_events/,
      async () => {
        const body = {
          project: "jaffle_bq",
          environment: "prod",
          manifest: JSON.parse(dbtFixture("bigquery-1.9/manifest.json")),
          run_results: JSON.parse(dbtFixture("bigquery-1.9/run_results.json")),
        };
        const uploaded = await api("/dbt/artifacts", { as: mine.token, body });
        expect(uploaded.status, uploaded.text).toBe(201);
      },
      () => api("/lineage/batch", { as: theirs.token, body: [runEvent({ job: contested, eventType: "FAIL" }), runEvent({ job: own })] }),
    );
    expect(res.status, res.text).toBe(200);
    expect(res.json.summary).toMatchObject({ received: 2, successful: 1, failed: 1, non_retriable: 1 });
    expect(res.json.failed_events.map((f: any) => [f.index, f.details[0].path])).toEqual([[0, "job.name"]]);
    expect(await runsOf(mine.token, contested)).toMatchObject({ owner: mine.teamId, runs: [{ state: "succeeded" }] });
    expect(await runsOf(theirs.token, own)).toMatchObject({ owner: theirs.teamId, runs: [{ state: "succeeded" }] });
  });
});

describe("POST /quality reports only on datasets the team owns or nobody owns", () => {
  it("a result about another team's dataset is refused with 403 naming it, and nothing is stored", async () => {
    const { s, mine, theirs } = await twoTeams();
    const created = await api("/quality", {
      as: mine.token,
      body: { results: [{ dataset: { namespace: "warehouse", name: "orders" }, check: "rows", status: "fail" }] },
    });
    expect(created.status).toBe(201);
    const id = created.json.dataset_ids[0];
    const before = await lineageRowCounts(s.tenant.id);

    const byId = await api("/quality", {
      as: theirs.token,
      body: {
        results: [
          { dataset: { namespace: "warehouse", name: "theirs" }, check: "rows", status: "pass" },
          { dataset_id: id, check: "rows", status: "pass" },
        ],
      },
    });
    expectError(byId, 403, "forbidden");
    expect(byId.json.error.details.map((d: any) => d.path)).toEqual(["results[1].dataset_id"]);
    const byName = await api("/quality", {
      as: theirs.token,
      body: { results: [{ dataset: { namespace: "warehouse", name: "orders" }, check: "rows", status: "pass" }] },
    });
    expectError(byName, 403, "forbidden");
    expect(byName.json.error.details.map((d: any) => d.path)).toEqual(["results[0].dataset"]);
    expect(await lineageRowCounts(s.tenant.id)).toEqual(before);

    // The owner team and tenant admins may.
    expect((await api("/quality", { as: mine.token, body: { results: [{ dataset_id: id, check: "rows", status: "pass" }] } })).status).toBe(201);
    expect((await api("/quality", { as: s, body: { results: [{ dataset_id: id, check: "other", status: "pass" }] } })).status).toBe(201);
  });
});

describe("ownership is checked by the write itself", () => {
  /** Hands a dataset to a team as a tenant admin (PATCH /datasets/{id}). */
  async function handOver(s: Session, datasetId: string, teamId: string) {
    const res = await api(`/datasets/${datasetId}`, { as: s, method: "PATCH", body: { owner_team_id: teamId } });
    expect(res.status, res.text).toBe(200);
  }

  it("a dataset handed to another team while its old owner's edit is in flight: the edit is refused (409), changes nothing and is not audited", async () => {
    const { s, mine, theirs } = await twoTeams();
    const created = await api("/quality", {
      as: theirs.token,
      body: { results: [{ dataset: { namespace: "warehouse", name: "handed" }, check: "rows", status: "pass" }] },
    });
    const id = created.json.dataset_ids[0];
    const res = await withWriteHeldDuring(
      /update "datasets" set .*"description"/,
      () => handOver(s, id, mine.teamId),
      () => api(`/datasets/${id}`, { as: theirs.token, method: "PATCH", body: { description: "edited by the old owner" } }),
    );
    expectError(res, 409, "conflict");
    const ds = await api(`/datasets/${id}`, { as: mine.token });
    expect(ds.json).toMatchObject({ owner_team: { id: mine.teamId }, description: null });
    const audit = await api(`/audit-log?action=dataset.update&target_id=${id}`, { as: s });
    expect(audit.json.items.map((e: any) => e.details.fields)).toEqual([["ownerTeamId"]]);
    // Without a race the same edit by the new owner applies and is audited.
    const edit = await api(`/datasets/${id}`, { as: mine.token, method: "PATCH", body: { description: "edited by the new owner" } });
    expect(edit.status, edit.text).toBe(200);
    expect(edit.json.description).toBe("edited by the new owner");
    expect((await api(`/audit-log?action=dataset.update&target_id=${id}`, { as: s })).json.items).toHaveLength(2);
  });

  it("two teams reporting quality of the same new dataset together: one creates and owns it, the other is refused and stores nothing", async () => {
    const { mine, theirs } = await twoTeams();
    const report = (token: string, status: string) =>
      api("/quality", { as: token, body: { results: [{ dataset: { namespace: "warehouse", name: "contested" }, check: "rows", status }] } });
    const [a, b] = await withWritesInFlightTogether(/INSERT INTO quality_results/, 2, () =>
      Promise.all([report(mine.token, "pass"), report(theirs.token, "fail")]),
    );
    expect([a.status, b.status].sort()).toEqual([201, 403]);
    const [winner, loser] = a.status === 201 ? [mine, theirs] : [theirs, mine];
    expect((a.status === 201 ? b : a).json.error.details.map((d: any) => d.path)).toEqual(["results[0].dataset"]);
    const ds = await dataset(winner.token, "warehouse", "contested");
    expect(ds.owner_team.id).toBe(winner.teamId);
    const history = await api(`/datasets/${ds.id}/quality`, { as: loser.token });
    expect(history.json.items.map((q: any) => q.status)).toEqual([winner === mine ? "pass" : "fail"]);
  });

  it("a dataset handed to another team while a quality report is in flight: the report is refused and nothing is stored", async () => {
    const { s, mine, theirs } = await twoTeams();
    const created = await api("/quality", {
      as: theirs.token,
      body: { results: [{ dataset: { namespace: "warehouse", name: "orders" }, check: "rows", status: "pass" }] },
    });
    const id = created.json.dataset_ids[0];
    const before = await lineageRowCounts(s.tenant.id);
    const res = await withWriteHeldDuring(
      /INSERT INTO quality_results/,
      () => handOver(s, id, mine.teamId),
      () => api("/quality", { as: theirs.token, body: { results: [{ dataset_id: id, check: "rows", status: "fail" }] } }),
    );
    expectError(res, 403, "forbidden");
    expect(res.json.error.details.map((d: any) => d.path)).toEqual(["results[0].dataset_id"]);
    expect(await lineageRowCounts(s.tenant.id)).toEqual(before);
    const history = await api(`/datasets/${id}/quality`, { as: mine.token });
    expect(history.json.items.map((q: any) => q.status)).toEqual(["pass"]);
  });

  it("a dataset handed to another team while an OpenLineage event is in flight keeps its freshness and facets; the event and its lineage are stored", async () => {
    const { s, mine, theirs } = await twoTeams();
    const orders = { namespace: "warehouse", name: "orders" };
    const job = { namespace: "airflow", name: "theirs.load" };
    expect(
      (await post(theirs.token, runEvent({ job, eventTime: "2020-01-01T06:00:00Z", outputs: [{ ...orders, facets: { schema: schemaFacet("a") } }] }))).status,
    ).toBe(201);
    const ds = await dataset(theirs.token, orders.namespace, orders.name);
    const res = await withWriteHeldDuring(
      /INSERT INTO lineage_events/,
      () => handOver(s, ds.id, mine.teamId),
      () => post(theirs.token, runEvent({ job, eventTime: "2020-02-01T06:00:00Z", outputs: [{ ...orders, facets: { schema: schemaFacet("b") } }] })),
    );
    expect(res.status, res.text).toBe(201);
    expect(await dataset(mine.token, orders.namespace, orders.name)).toMatchObject({
      owner_team: { id: mine.teamId },
      last_write_at: "2020-01-01T06:00:00.000Z",
      schema: [{ name: "a" }],
    });
    const runs = await api(`/datasets/${ds.id}/runs?role=output`, { as: mine.token });
    expect(runs.json.items).toHaveLength(2);
  });
});
