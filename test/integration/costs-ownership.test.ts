import { describe, expect, it } from "vitest";
import { api, expectError } from "../helpers/api";
import { product, postCosts, record } from "../helpers/costs";
import { createTeam, createToken } from "../helpers/fixtures";
import { withWritesInFlightTogether } from "../helpers/in-flight";
import { pushPipeline, setupTenant, toolTask } from "../helpers/pipelines";

/** A tenant whose sign-up team ("mine") owns a pipeline, a run of it, a product and a dataset; "theirs" is a second team. */
async function ownedThings() {
  const { s, team } = await setupTenant();
  const scopes = ["read", "metadata:write", "lineage:write"];
  const mine = { teamId: team.id, token: (await createToken(s, team.id, scopes)).token };
  const other = await createTeam(s, "Marketing");
  const theirs = { teamId: other.id, token: (await createToken(s, other.id, scopes)).token };
  await pushPipeline(s, { name: "daily", team: team.slug, tasks: [toolTask("load")] });
  const run = await api("/pipelines/daily/runs", { as: s, body: {} });
  expect(run.status, run.text).toBe(201);
  await product(s, { name: "finance_revenue", owner_team_id: team.id });
  const quality = await api("/quality", {
    as: mine.token,
    body: { results: [{ dataset: { namespace: "warehouse", name: "orders" }, check: "rows", status: "pass" }] },
  });
  return { s, mine, theirs, runId: run.json.id as string, datasetId: quality.json.dataset_ids[0] as string };
}

async function costByRef(as: string, ref: string) {
  const list = await api("/costs?from=2000-01-01T00:00:00Z&limit=200", { as });
  expect(list.status, list.text).toBe(200);
  return list.json.items.find((c: any) => c.external_ref === ref);
}

describe("cost records belong to the team they are recorded for", () => {
  it("another team's write does not replace my record; the response names it refused, by index, with a reason", async () => {
    const { s, mine, theirs } = await ownedThings();
    const first = await postCosts(mine.token, [record({ source: "aws", external_ref: "inv-1", amount: 5 })]);
    expect(first).toMatchObject({ inserted: 1 });

    const res = await api("/costs", {
      as: theirs.token,
      body: { records: [record({ source: "aws", external_ref: "inv-2", amount: 7 }), record({ source: "aws", external_ref: "inv-1", amount: 500 })] },
    });
    expect(res.status, res.text).toBe(200);
    expect(res.json).toMatchObject({ inserted: 1, updated: 0, unchanged: 0, refused: 1 });
    expect(res.json.records[0]).toMatchObject({ external_ref: "inv-2", status: "inserted" });
    expect(res.json.records[1]).toMatchObject({
      external_ref: "inv-1",
      status: "refused",
      attributed_by: null,
      reason: expect.stringContaining("another team"),
    });
    expect(await costByRef(mine.token, "inv-1")).toMatchObject({ amount: 5, team_id: mine.teamId });
    expect(await costByRef(mine.token, "inv-2")).toMatchObject({ amount: 7, team_id: theirs.teamId });

    // My own correction, and a tenant admin's, still apply.
    expect((await postCosts(mine.token, [record({ source: "aws", external_ref: "inv-1", amount: 6, started_at: "2020-01-02T00:00:00Z" })])).updated).toBe(1);
    expect((await postCosts(s, [record({ source: "aws", external_ref: "inv-1", amount: 8, started_at: "2020-01-02T00:00:00Z" })])).updated).toBe(1);
    expect(await costByRef(mine.token, "inv-1")).toMatchObject({ amount: 8, team_id: mine.teamId });
  });

  it("attributing cost to another team's team, pipeline, run, product or dataset is refused with 403 naming each field, and nothing is stored", async () => {
    const { s, mine, theirs, runId, datasetId } = await ownedThings();
    const claims = [
      record({ source: "aws", external_ref: "c-team", amount: 1, attribution: { team_id: mine.teamId } }),
      record({ source: "aws", external_ref: "c-pipeline", amount: 1, attribution: { pipeline: "daily" } }),
      record({ source: "aws", external_ref: "c-run", amount: 1, attribution: { run_id: runId } }),
      record({ source: "snowflake", external_ref: "c-tag", amount: 1, attribution: { query_tag: `tutti:${runId}:load` } }),
      record({ source: "aws", external_ref: "c-product", amount: 1, attribution: { products: [{ name: "finance_revenue" }] } }),
      record({ source: "aws", external_ref: "c-dataset", amount: 1, attribution: { dataset_ids: [datasetId] } }),
      record({ source: "aws", external_ref: "c-own", amount: 1, attribution: { team_id: theirs.teamId } }),
    ];
    const res = await api("/costs", { as: theirs.token, body: { records: claims } });
    expectError(res, 403, "forbidden");
    expect(res.json.error.details.map((d: any) => d.path)).toEqual([
      "records[0].attribution.team_id",
      "records[1].attribution.pipeline",
      "records[2].attribution.run_id",
      "records[3].attribution.query_tag",
      "records[4].attribution.products[0].name",
      "records[5].attribution.dataset_ids[0]",
    ]);
    expect((await api("/costs?from=2000-01-01T00:00:00Z", { as: s })).json.items).toEqual([]);

    // The owning team may, and so may a tenant admin for any team.
    expect((await postCosts(mine.token, claims.slice(0, 6))).inserted).toBe(6);
    expect(
      (await postCosts(s, [record({ source: "aws", external_ref: "c-admin", amount: 1, attribution: { team_id: theirs.teamId, pipeline: "daily" } })]))
        .inserted,
    ).toBe(1);
  });

  it("two teams posting the same new record together: one stores it, the other is refused and changes neither its figures nor its allocations", async () => {
    const { s, mine, theirs } = await ownedThings();
    const products = {
      finance_revenue: (await api("/products/finance_revenue", { as: s })).json.id,
      their_product: (await product(s, { name: "their_product", owner_team_id: theirs.teamId })).id,
    };
    const post = (token: string, amount: number, products: string) =>
      api("/costs", {
        as: token,
        body: { records: [record({ source: "aws", external_ref: "inv-race", amount, attribution: { products: [{ name: products }] } })] },
      });
    const [a, b] = await withWritesInFlightTogether(/INSERT INTO cost_records/, 2, () =>
      Promise.all([post(mine.token, 5, "finance_revenue"), post(theirs.token, 500, "their_product")]),
    );
    expect(a.status, a.text).toBe(200);
    expect(b.status, b.text).toBe(200);
    const statuses = [a.json.records[0].status, b.json.records[0].status];
    expect([...statuses].sort()).toEqual(["inserted", "refused"]);
    const [winner, amount, productName] = statuses[0] === "inserted" ? [mine, 5, "finance_revenue"] : [theirs, 500, "their_product"];
    const stored = await costByRef(winner.token, "inv-race");
    expect(stored).toMatchObject({ amount, team_id: winner.teamId });
    expect(stored.allocations.map((x: any) => [x.product_id, x.amount])).toEqual([[products[productName as keyof typeof products], amount]]);
  });
});
