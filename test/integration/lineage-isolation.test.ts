import { workerFetch } from "../helpers/worker-fetch";
import { describe, expect, it } from "vitest";
import { api, BASE, expectError } from "../helpers/api";
import { createTeam, createToken } from "../helpers/fixtures";
import { lineageRowCounts, lineageTenant, postEvent } from "../helpers/lineage";
import { appleFiles, dbtFixture, openLineageFixtures } from "../helpers/lineage-fixtures";

async function uploadDbt(token: string, project: string) {
  const form = new FormData();
  form.append("project", project);
  form.append("environment", "prod");
  form.append("manifest", new Blob([dbtFixture("duckdb-1.8/manifest.json")]), "manifest.json");
  form.append("run_results", new Blob([dbtFixture("duckdb-1.8/run_results.json")]), "run_results.json");
  const res = await workerFetch(`${BASE}/api/v1/dbt/artifacts`, { method: "POST", headers: { authorization: `Bearer ${token}` }, body: form });
  return (await res.json()) as any;
}

async function appleIds(token: string) {
  const ds = (await api("/datasets?namespace=grandmas.kitchen&name=apples", { as: token })).json.items[0];
  const job = (await api("/jobs?namespace=grandmas.kitchen&name=gather_apples", { as: token })).json.items[0];
  const run = (await api(`/jobs/${job.id}/runs`, { as: token })).json.items[0];
  return { dataset: ds.id as string, job: job.id as string, run: run.id as string };
}

describe("lineage isolation between tenants", () => {
  it("tenant B can neither read nor change tenant A's lineage, by id or by name", async () => {
    const a = await lineageTenant();
    const b = await lineageTenant();
    for (const f of appleFiles) await postEvent(a.token, openLineageFixtures[f]);
    const dbt = await uploadDbt(a.token, "jaffle");
    const ids = await appleIds(a.token);
    const before = await lineageRowCounts(a.s.tenant.id);

    const notFound = [
      `/datasets/${ids.dataset}`,
      `/datasets/${ids.dataset}/runs`,
      `/datasets/${ids.dataset}/quality`,
      `/datasets/${ids.dataset}/events`,
      `/datasets/${ids.dataset}/column-lineage`,
      `/jobs/${ids.job}`,
      `/jobs/${ids.job}/runs`,
      `/job-runs/${ids.run}`,
      `/job-runs/${ids.run}/events`,
      `/lineage/graph?node=${ids.dataset}`,
      `/lineage/impact?node=${ids.dataset}`,
      `/lineage/path?from=${ids.dataset}&to=${ids.job}`,
      `/dbt/projects/${dbt.project.id}`,
      `/dbt/projects/${dbt.project.id}/nodes`,
      `/dbt/projects/${dbt.project.id}/uploads`,
      `/dbt/uploads/${dbt.upload.id}`,
      `/dbt/uploads/${dbt.upload.id}/artifacts/manifest`,
    ];
    for (const path of notFound) expectError(await api(path, { as: b.token }), 404, "not_found");
    expectError(await api(`/datasets/${ids.dataset}`, { as: b.token, method: "PATCH", body: { description: "mine now" } }), 404, "not_found");

    // By name: B's catalog is empty, whatever A has.
    expect((await api("/datasets?namespace=grandmas.kitchen&name=apples", { as: b.token })).json.items).toEqual([]);
    expect((await api("/datasets?q=apple", { as: b.token })).json.items).toEqual([]);
    expect((await api("/jobs?q=apple", { as: b.token })).json.items).toEqual([]);
    expect((await api("/dbt/projects?project=jaffle&environment=prod", { as: b.token })).json.items).toEqual([]);

    // Writing the same names in B creates B's own objects and leaves A's untouched.
    for (const f of appleFiles) expect((await postEvent(b.token, openLineageFixtures[f])).json.status).toBe("accepted");
    const bDbt = await uploadDbt(b.token, "jaffle");
    expect(bDbt.duplicate).toBe(false);
    expect(bDbt.project.id).not.toBe(dbt.project.id);
    const bIds = await appleIds(b.token);
    expect(bIds.dataset).not.toBe(ids.dataset);
    expect(await lineageRowCounts(a.s.tenant.id)).toEqual(before);
    const aGraph = await api(`/lineage/graph?node=${ids.dataset}&depth=all`, { as: a.token });
    expect(aGraph.json.nodes.every((n: any) => !n.id || n.id !== bIds.dataset)).toBe(true);
    expect((await api(`/datasets/${ids.dataset}`, { as: a.token })).json.description).toBeNull();
  });
});

describe("lineage across teams of one tenant", () => {
  it("another team sees the whole graph with owners but cannot edit what it does not own", async () => {
    const a = await lineageTenant();
    for (const f of appleFiles) await postEvent(a.token, openLineageFixtures[f]);
    const ids = await appleIds(a.token);
    const marketing = await createTeam(a.s, "Marketing");
    const { token: other } = await createToken(a.s, marketing.id, ["read", "metadata:write", "lineage:write"]);

    const graph = await api(`/lineage/graph?node=${ids.dataset}&direction=both&depth=all`, { as: other });
    expect(graph.status).toBe(200);
    expect(graph.json.nodes.find((n: any) => n.id === ids.dataset).owner_team.id).toBe(a.teamId);
    const impact = await api(`/lineage/impact?node=${ids.dataset}`, { as: other });
    expect(impact.json.teams).toEqual([{ id: a.teamId, name: expect.any(String), datasets: 4, jobs: 4 }]);
    expect(impact.json.datasets.map((d: any) => d.name).sort()).toEqual(["apple.cider", "apple.filling", "apple.pie", "apple.vinegar"]);

    expectError(await api(`/datasets/${ids.dataset}`, { as: other, method: "PATCH", body: { description: "ours" } }), 403, "forbidden");
    const handOver = await api(`/datasets/${ids.dataset}`, { as: a.token, method: "PATCH", body: { owner_team_id: marketing.id } });
    expectError(handOver, 403, "forbidden");
    const bySession = await api(`/datasets/${ids.dataset}`, {
      as: a.s,
      method: "PATCH",
      body: { owner_team_id: marketing.id, tags: ["pii", "pii"], description: "Picked apples" },
    });
    expect(bySession.status, bySession.text).toBe(200);
    expect(bySession.json).toMatchObject({ owner_team: { id: marketing.id }, tags: ["pii"], description: "Picked apples" });
    expect((await api(`/datasets/${ids.dataset}`, { as: other, method: "PATCH", body: { description: "ours now" } })).status).toBe(200);
  });

  it("an expected-freshness setting reports fresh or late", async () => {
    const a = await lineageTenant();
    await postEvent(a.token, openLineageFixtures["openlineage/marquez_event_simple.json"]);
    const ds = (await api("/datasets?name=instance.schema.output-1", { as: a.token })).json.items[0];
    const bad = await api(`/datasets/${ds.id}`, { as: a.token, method: "PATCH", body: { freshness: { cron: "not a cron", timezone: "Europe/London" } } });
    expectError(bad, 400, "validation_failed");
    expect(bad.json.error.details[0].path).toBe("freshness.cron");
    const res = await api(`/datasets/${ds.id}`, {
      as: a.token,
      method: "PATCH",
      body: { freshness: { cron: "0 7 * * *", timezone: "Europe/London", max_age: "24h" } },
    });
    expect(res.status, res.text).toBe(200);
    // Last written in 2020: late at every deadline since.
    expect(res.json.freshness).toMatchObject({
      policy: { cron: "0 7 * * *", timezone: "Europe/London", max_age_seconds: 86400 },
      state: "late",
      last_write_at: "2020-12-28T09:52:00.001Z",
    });
    const cleared = await api(`/datasets/${ds.id}`, { as: a.token, method: "PATCH", body: { freshness: null } });
    expect(cleared.json.freshness).toMatchObject({ policy: null, state: "no_policy" });
  });
});
