import { describe, expect, it } from "vitest";
import { api, expectError, signup, type Session } from "../helpers/api";
import { postCosts, product, record } from "../helpers/costs";
import { addMember, createTeam, createToken, firstTeamId } from "../helpers/fixtures";
import { withWritesInFlightTogether } from "../helpers/in-flight";
import { waitForRun } from "../helpers/engine";
import { pushPipeline, setupTenant, toolTask } from "../helpers/pipelines";
import { drain } from "../helpers/wait";
import { tenantD1 } from "../helpers/tenant-db";

const now = () => new Date(Date.now() - 60_000).toISOString();

async function lineageDataset(s: Session | string, namespace: string, name: string, tags: string[] = []) {
  const event = {
    eventType: "COMPLETE",
    eventTime: new Date().toISOString(),
    run: { runId: crypto.randomUUID() },
    job: { namespace: "tests", name: `write_${name}` },
    inputs: [],
    outputs: [{ namespace, name }],
    producer: "https://example.com/test",
    schemaURL: "https://openlineage.io/spec/2-0-2/OpenLineage.json#/$defs/RunEvent",
  };
  const res = await api("/lineage", { as: s, body: event });
  if (res.status >= 300) throw new Error(`lineage: ${res.status} ${res.text}`);
  const found = await api(`/datasets?namespace=${encodeURIComponent(namespace)}&name=${encodeURIComponent(name)}`, { as: s });
  const id = found.json.items[0].id as string;
  if (tags.length) await api(`/datasets/${id}`, { as: s, method: "PATCH", body: { tags } });
  return id;
}

describe("data products", () => {
  it("creates, reads by id or name, changes and deletes a product with its members", async () => {
    const s = await signup();
    const teamId = await firstTeamId(s);
    const orders = await lineageDataset(s, "snowflake://acme", "ANALYTICS.MARTS.FIN_ORDERS");
    const created = await api("/products", {
      as: s,
      body: {
        name: "finance_revenue",
        title: "Finance revenue",
        description: "Revenue marts for the board pack",
        owner_team_id: teamId,
        tier: "critical",
        declared_value: { monthly_amount: 40000, rationale: "Board reporting" },
        sla: { freshness: { cron: "0 8 * * 1-5", timezone: "Europe/London", max_age: "12h" }, success_rate_target: 99.5 },
        consumers: [{ kind: "dashboard", name: "Board pack", url: "https://bi.example.com/d/1" }],
        datasets: [{ id: orders, weight: 2 }],
        tags: [{ tag: "finance" }],
        patterns: [{ pattern: "ANALYTICS.MARTS.FIN_*" }],
      },
    });
    expect(created.status, created.text).toBe(201);
    expect(created.json).toMatchObject({
      name: "finance_revenue",
      owner_team: { id: teamId },
      tier: "critical",
      declared_value: { monthly_amount: 40000, currency: "USD", rationale: "Board reporting" },
      sla: { freshness: { cron: "0 8 * * 1-5", timezone: "Europe/London", max_age_seconds: 43200 }, success_rate_target: 99.5 },
      consumers: [{ kind: "dashboard", name: "Board pack", url: "https://bi.example.com/d/1" }],
      members: {
        datasets: [{ id: orders, weight: 2 }],
        tags: [{ tag: "finance", weight: 1 }],
        patterns: [{ pattern: "ANALYTICS.MARTS.FIN_*", weight: 1 }],
        pipelines: [],
      },
    });
    const id = created.json.id;
    expect((await api("/products/finance_revenue", { as: s })).json.id).toBe(id);
    expect((await api("/products", { as: s })).json.items.map((p: { id: string }) => p.id)).toEqual([id]);

    const patched = await api(`/products/${id}`, { as: s, method: "PATCH", body: { title: "Finance", tags: [], declared_value: null } });
    expect(patched.json).toMatchObject({ title: "Finance", declared_value: null, members: { datasets: [], tags: [], patterns: [] } });
    expectError(await api("/products", { as: s, body: { name: "finance_revenue", owner_team_id: teamId } }), 409, "conflict");
    expect((await api(`/products/${id}`, { as: s, method: "DELETE" })).status).toBe(204);
    expectError(await api(`/products/${id}`, { as: s }), 404, "not_found");
  });

  it("members come from picks, tags, patterns, product: tags and the datasets its pipelines write", async () => {
    const s = await signup();
    const teamId = await firstTeamId(s);
    const picked = await lineageDataset(s, "bigquery", "p.fin.orders");
    const tagged = await lineageDataset(s, "bigquery", "p.fin.fx_rates", ["finance"]);
    const patterned = await lineageDataset(s, "bigquery", "p.fin_v2.revenue");
    const conventional = await lineageDataset(s, "bigquery", "p.misc.kpis", ["product:finance_revenue"]);
    await lineageDataset(s, "bigquery", "p.other.users");
    const p = await product(s, {
      name: "finance_revenue",
      owner_team_id: teamId,
      datasets: [{ id: picked }],
      tags: [{ tag: "finance" }],
      patterns: [{ pattern: "bigquery/p.fin_v2.*" }],
    });
    const graph = await api(`/products/${p.id}/lineage`, { as: s });
    expect(graph.status).toBe(200);
    expect(Object.fromEntries(graph.json.members.map((m: { id: string; via: string }) => [m.id, m.via]))).toEqual({
      [picked]: "dataset",
      [tagged]: "tag",
      [patterned]: "pattern",
      [conventional]: "tag",
    });
    // The subgraph holds the members and the jobs that wrote them.
    expect(graph.json.nodes.filter((n: { type: string }) => n.type === "job")).toHaveLength(4);

    // Impact of a member's writer names the product and its owner team.
    const writer = graph.json.edges.find((e: { to: string }) => e.to === picked).from;
    const impact = await api(`/lineage/product-impact?node=${writer}`, { as: s });
    expect(impact.json.products).toEqual([
      { id: p.id, name: "finance_revenue", owner_team: { id: teamId, name: expect.any(String) }, sla: null, dataset_ids: [picked] },
    ]);
  });

  it("only the owner team edits; tokens of other teams and viewers read", async () => {
    const s = await signup();
    const teamId = await firstTeamId(s);
    const other = await createTeam(s, "Growth");
    const { token: otherToken } = await createToken(s, other.id);
    const viewer = await addMember(s, "viewer");
    const p = await product(s, { name: "finance_revenue", owner_team_id: teamId });
    expect((await api(`/products/${p.id}`, { as: otherToken })).status).toBe(200);
    expect((await api(`/products/${p.id}`, { as: viewer })).status).toBe(200);
    expectError(await api(`/products/${p.id}`, { as: otherToken, method: "PATCH", body: { title: "Mine" } }), 403, "forbidden");
    expectError(await api(`/products/${p.id}`, { as: viewer, method: "DELETE" }), 403, "forbidden");
    expectError(await api("/products", { as: otherToken, body: { name: "theirs", owner_team_id: teamId } }), 403, "forbidden");
    expect((await api("/products", { as: otherToken, body: { name: "growth_funnel", owner_team_id: other.id } })).status).toBe(201);
    // Handing a product to a team needs the right to act for it.
    const member = await addMember(s, "member", { teamId });
    expectError(await api(`/products/${p.id}`, { as: member, method: "PATCH", body: { owner_team_id: other.id } }), 403, "forbidden");
  });

  it("bad input is refused with field paths", async () => {
    const s = await signup();
    const teamId = await firstTeamId(s);
    const cases: Array<[Record<string, unknown>, string]> = [
      [{ name: "Finance Revenue", owner_team_id: teamId }, "name"],
      [{ name: "ok", owner_team_id: "team_nope" }, "owner_team_id"],
      [{ name: "ok", owner_team_id: teamId, datasets: [{ id: "ds_nope" }] }, "datasets[0].id"],
      [{ name: "ok", owner_team_id: teamId, pipelines: [{ name: "nope" }] }, "pipelines[0].name"],
      [{ name: "ok", owner_team_id: teamId, tags: [{ tag: "x", weight: 0 }] }, "tags[0].weight"],
      [{ name: "ok", owner_team_id: teamId, tier: "platinum" }, "tier"],
      [{ name: "ok", owner_team_id: teamId, sla: { freshness: { cron: "every morning" } } }, "sla.freshness.cron"],
      [{ name: "ok", owner_team_id: teamId, declared_value: { monthly_amount: 5, currency: "EUR" } }, "declared_value.currency"],
      [{ name: "ok", owner_team_id: teamId, consumers: [{ kind: "dashboard", name: "x", url: "javascript:alert(1)" }] }, "consumers[0].url"],
      [{ name: "ok", owner_team_id: teamId, owner: "me" }, "owner"],
    ];
    for (const [body, path] of cases) {
      const res = await api("/products", { as: s, body });
      expectError(res, 400, "validation_failed");
      expect(
        res.json.error.details.map((d: { path: string }) => d.path),
        JSON.stringify(body),
      ).toContain(path);
    }
    expect((await api("/products", { as: s })).json.items).toEqual([]);
  });

  it("another tenant's products are invisible by id and by name", async () => {
    const a = await signup();
    const b = await signup();
    const { token: bToken } = await createToken(b, await firstTeamId(b));
    const p = await product(a, { name: "finance_revenue", owner_team_id: await firstTeamId(a) });
    // Routes by id are swept in test/integration/isolation-reads.test.ts; a product's name is another way in.
    for (const as of [b, bToken]) expectError(await api("/products/finance_revenue", { as }), 404, "not_found");
    const bList = await api("/scorecard", { as: b });
    expect(bList.text).not.toContain(p.id);
    expectError(await api("/usage", { as: b, body: { events: [{ product: "finance_revenue", kind: "query", at: now() }] } }), 400, "validation_failed");
    expectError(
      await api("/costs", {
        as: b,
        body: { records: [record({ source: "aws", external_ref: "x", amount: 1, attribution: { products: [{ name: "finance_revenue" }] } })] },
      }),
      400,
      "validation_failed",
    );
  });
});

describe("usage and the scorecard", () => {
  it("usage events count once per id, per product, and dataset events count for every product owning the dataset", async () => {
    const s = await signup();
    const teamId = await firstTeamId(s);
    const shared = await lineageDataset(s, "bigquery", "p.marts.orders");
    const lonely = await lineageDataset(s, "bigquery", "p.tmp.scratch");
    const fin = await product(s, { name: "fin", owner_team_id: teamId, datasets: [{ id: shared }] });
    const growth = await product(s, { name: "growth", owner_team_id: teamId, datasets: [{ id: shared }] });
    const events = [
      { id: "e1", product: "fin", kind: "dashboard_view", consumer: "looker:board", count: 3, at: now() },
      { id: "e2", dataset_id: shared, kind: "query", consumer: "analyst@acme", at: now() },
      { id: "e3", dataset_id: lonely, kind: "query", at: now() },
    ];
    const first = await api("/usage", { as: s, body: { events } });
    expect(first.json).toEqual({ accepted: 4, duplicates: 0, unassigned: 1 });
    const again = await api("/usage", { as: s, body: { events } });
    expect(again.json).toEqual({ accepted: 0, duplicates: 4, unassigned: 1 });
    const card = async (id: string) => (await api(`/products/${id}/scorecard`, { as: s })).json;
    expect((await card(fin.id)).scorecard.usage).toMatchObject({ month_to_date: 4, consumers: 2 });
    expect((await card(growth.id)).scorecard.usage).toMatchObject({ month_to_date: 1, consumers: 1 });
    expect((await card(fin.id)).top_consumers).toEqual([
      { consumer: "looker:board", count: 3 },
      { consumer: "analyst@acme", count: 1 },
    ]);

    for (const [body, path] of [
      [{ events: [{ product: "fin", dataset_id: shared, kind: "query", at: now() }] }, "events[0].product"],
      [{ events: [{ kind: "query", at: now() }] }, "events[0].product"],
      [{ events: [{ product: "nope", kind: "query", at: now() }] }, "events[0].product"],
      [{ events: [{ product: "fin", kind: "page_view", at: now() }] }, "events[0].kind"],
      [{ events: [{ product: "fin", kind: "query", count: 0, at: now() }] }, "events[0].count"],
    ] as const) {
      const res = await api("/usage", { as: s, body });
      expectError(res, 400, "validation_failed");
      expect(res.json.error.details.map((d: { path: string }) => d.path)).toContain(path);
    }
  });

  it("copies of one usage batch sent at the same moment count once", async () => {
    const s = await signup();
    await product(s, { name: "fin", owner_team_id: await firstTeamId(s) });
    const body = { events: [{ id: "copy-1", product: "fin", kind: "query", count: 5, at: "2026-03-02T10:00:00Z" }] };
    const results = await withWritesInFlightTogether(/INSERT INTO usage_events/, 4, () =>
      Promise.all(Array.from({ length: 4 }, () => api("/usage", { as: s, body }))),
    );
    expect(results.map((r) => [r.json.accepted, r.json.duplicates]).sort()).toEqual([
      [0, 1],
      [0, 1],
      [0, 1],
      [1, 0],
    ]);
    const daily = await (await tenantD1(s.tenant.id))
      .prepare("SELECT sum(count) AS n FROM usage_daily WHERE tenant_id = ?")
      .bind(s.tenant.id)
      .first<{ n: number }>();
    expect(daily!.n).toBe(5);
  });

  it("ranks products by value ÷ cost and flags zombies; reliability comes from the product's pipelines", async () => {
    const { s, team } = await setupTenant();
    const star = await product(s, { name: "star", owner_team_id: team.id, declared_value: { monthly_amount: 1000 }, sla: { success_rate_target: 95 } });
    const fair = await product(s, { name: "fair", owner_team_id: team.id, declared_value: { monthly_amount: 100 } });
    const zombie = await product(s, { name: "zombie", owner_team_id: team.id, declared_value: { monthly_amount: 10_000 } });
    await pushPipeline(s, { name: "star_build", team: team.slug, products: ["star"], tasks: [toolTask("build")] });
    const run = await api("/pipelines/star_build/runs", { as: s, body: {} });
    await waitForRun(s, run.json.id, (r) => r.status === "succeeded");
    await postCosts(s, [
      record({ source: "aws", external_ref: "star", amount: 10, attribution: { products: [{ name: "star" }] } }),
      record({ source: "aws", external_ref: "fair", amount: 50, attribution: { products: [{ name: "fair" }] } }),
      record({ source: "aws", external_ref: "zombie", amount: 5, attribution: { products: [{ name: "zombie" }] } }),
      record({ source: "aws", external_ref: "nobody", amount: 7 }),
    ]);
    await api("/usage", {
      as: s,
      body: {
        events: [
          { product: "star", kind: "query", count: 20, at: now() },
          { product: "fair", kind: "api_call", at: now() },
        ],
      },
    });

    const ranking = await api("/scorecard", { as: s });
    expect(ranking.status, ranking.text).toBe(200);
    expect(ranking.json.items.map((c: { product: { id: string } }) => c.product.id)).toEqual([star.id, fair.id, zombie.id]);
    expect(ranking.json.totals).toEqual({
      month_to_date: 72,
      unattributed_month_to_date: 7,
      previous_same_days: 0,
      zombies: 1,
      needs_attention: 1,
      saved: null,
    });
    const [first, second, last] = ranking.json.items;
    expect(first).toMatchObject({
      rank: 1,
      zombie: false,
      value: { declared_monthly: 1000, ratio: 100 },
      cost: { month_to_date: 10, per_use: 0.5 },
      usage: { month_to_date: 20 },
    });
    expect(first.reliability).toMatchObject({ runs_30_days: 1, succeeded_30_days: 1, success_rate: 1, success_rate_target: 0.95, freshness: "no_policy" });
    expect(second).toMatchObject({ rank: 2, value: { ratio: 2 } });
    expect(last).toMatchObject({ rank: 3, zombie: true, usage: { last_30_days: 0 } });
    expect(first.pipelines).toBe(1);

    const detail = await api(`/products/${star.id}/scorecard`, { as: s });
    expect(detail.json.cost_by_source).toEqual([{ day: new Date(Date.now() - 60_000).toISOString().slice(0, 10), source: "aws", amount: 10 }]);
    expect(detail.json.pipelines).toEqual([{ id: expect.any(String), name: "star_build", weight: 1 }]);
  });

  it("deleting a product hands its cost back to what else claims it", async () => {
    const s = await signup();
    const teamId = await firstTeamId(s);
    const ds = await lineageDataset(s, "bigquery", "p.marts.shared");
    const a = await product(s, { name: "a", owner_team_id: teamId, datasets: [{ id: ds }] });
    const b = await product(s, { name: "b", owner_team_id: teamId, datasets: [{ id: ds }] });
    await postCosts(s, [record({ source: "aws", external_ref: "r1", amount: 8, attribution: { dataset_ids: [ds] } })]);
    expect((await api(`/products/${b.id}/scorecard`, { as: s })).json.scorecard.cost.month_to_date).toBe(4);
    await api(`/products/${a.id}`, { as: s, method: "DELETE" });
    // Re-attribution runs after the response (waitUntil).
    await drain();
    expect((await api(`/products/${b.id}/scorecard`, { as: s })).json.scorecard.cost.month_to_date).toBe(8);
  });
});
