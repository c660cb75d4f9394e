import { tenantContext } from "../../worker/db/shards";
import { env } from "cloudflare:test";
import { workerFetch } from "../helpers/worker-fetch";
import { describe, expect, it } from "vitest";
import { createProduct } from "../../worker/db/repo/products/write";
import { api, expectError, signup } from "../helpers/api";
import { tenantD1 } from "../helpers/tenant-db";
import { createTeam, createToken } from "../helpers/fixtures";
import { dbtFixture } from "../helpers/lineage-fixtures";

const BASE = "http://tutti.test";

async function uploadManifest(token: string, project: string, environment: string, manifest: string) {
  const res = await api("/dbt/artifacts", { as: token, body: { project, environment, manifest: JSON.parse(manifest) } });
  if (res.status !== 201 && res.status !== 200) throw new Error(`upload: ${res.status} ${res.text}`);
  return res.json;
}

const getManifest = (token: string, project: string, query = "", headers: Record<string, string> = {}) =>
  workerFetch(`${BASE}/api/v1/dbt/projects/${project}/manifest${query}`, { headers: { authorization: `Bearer ${token}`, ...headers } });

describe("dbt Slim CI state", () => {
  it("serves the latest production manifest with a strong ETag, 304 when unchanged, and a new ETag after an upload", async () => {
    const s = await signup();
    const team = (await api("/me", { as: s })).json.teams[0];
    const { token } = await createToken(s, team.id);
    const manifest = dbtFixture("duckdb-1.8/manifest.json");
    await uploadManifest(token, "jaffle", "prod", manifest);

    const first = await getManifest(token, "jaffle", "?env=prod");
    expect(first.status).toBe(200);
    const etag = first.headers.get("etag")!;
    expect(etag).toMatch(/^"[0-9a-f]{64}"$/);
    expect(JSON.parse(await first.text())).toEqual(JSON.parse(manifest));

    const cached = await getManifest(token, "jaffle", "", { "if-none-match": etag });
    expect(cached.status).toBe(304);
    expect(cached.headers.get("etag")).toBe(etag);
    expect(await cached.text()).toBe("");
    expect((await getManifest(token, "jaffle", "", { "if-none-match": `"other", W/${etag}` })).status).toBe(304);

    const changed = JSON.parse(manifest);
    changed.nodes["model.jaffle_shop.customers"].raw_code += "\n-- changed";
    await uploadManifest(token, "jaffle", "prod", JSON.stringify(changed));
    const fresh = await getManifest(token, "jaffle", "", { "if-none-match": etag });
    expect(fresh.status).toBe(200);
    expect(fresh.headers.get("etag")).not.toBe(etag);

    expect((await getManifest(token, "jaffle", "?env=ci")).status).toBe(404);
    const other = await signup();
    const otherToken = (await createToken(other, (await api("/me", { as: other })).json.teams[0].id)).token;
    expect((await getManifest(otherToken, "jaffle")).status).toBe(404);
  });
});

describe("pull-request impact preview", () => {
  it("walks from a modified model across a team boundary to another team's data product", async () => {
    const s = await signup();
    const analytics = (await api("/me", { as: s })).json.teams[0];
    const finance = await createTeam(s, "Finance");
    const analyticsToken = (await createToken(s, analytics.id)).token;
    const financeToken = (await createToken(s, finance.id)).token;
    const manifest = dbtFixture("duckdb-1.8/manifest.json");
    const uploaded = await uploadManifest(analyticsToken, "jaffle", "prod", manifest);
    const projectId = uploaded.project.id;

    // Finance reads analytics' `customers` model and writes its own revenue table.
    const customers = await (await tenantD1(s.tenant.id))
      .prepare(
        "SELECT d.id, d.namespace, d.name FROM dbt_nodes n JOIN datasets d ON d.tenant_id = n.tenant_id AND d.id = n.node_id WHERE n.tenant_id = ? AND n.project_id = ? AND n.unique_id = 'model.jaffle_shop.customers'",
      )
      .bind(s.tenant.id, projectId)
      .first<{ id: string; namespace: string; name: string }>();
    expect(customers).not.toBeNull();
    const ol = await api("/lineage", {
      as: financeToken,
      body: {
        eventType: "COMPLETE",
        eventTime: new Date().toISOString(),
        producer: "https://example.com/finance-etl",
        schemaURL: "https://openlineage.io/spec/2-0-2/OpenLineage.json#/$defs/RunEvent",
        run: { runId: crypto.randomUUID() },
        job: { namespace: "finance", name: "build_revenue" },
        inputs: [{ namespace: customers!.namespace, name: customers!.name }],
        outputs: [{ namespace: "warehouse", name: "finance.revenue" }],
      },
    });
    expect([200, 201, 202]).toContain(ol.status);
    const revenue = await (await tenantD1(s.tenant.id))
      .prepare("SELECT id FROM datasets WHERE tenant_id = ? AND name = 'finance.revenue'")
      .bind(s.tenant.id)
      .first<{ id: string }>();
    const ctx = await tenantContext(env, s.tenant.id);
    await createProduct(
      ctx,
      { principal: { actor: { type: "system", id: "test", label: "test" } }, ip: null, requestId: null, now: Date.now() } as never,
      {
        name: "revenue_reporting",
        title: "Revenue reporting",
        description: "",
        ownerTeamId: finance.id,
        tier: "gold" as never,
        valueMicros: null,
        valueRationale: "",
        sla: { cron: "0 8 * * *", timezone: "UTC", maxAgeMs: 86_400_000 },
        slaSuccessTarget: null,
        consumers: [],
      },
      [{ kind: "dataset", ref: revenue!.id, weight: 1 }],
    );

    const pr = JSON.parse(manifest);
    pr.nodes["model.jaffle_shop.customers"].checksum = { name: "sha256", checksum: "1".repeat(64) };
    const res = await api("/ci/impact", { as: analyticsToken, body: { project: "jaffle", manifest: pr } });
    expect(res.status).toBe(200);
    expect(res.json.changes.modified).toEqual([expect.objectContaining({ unique_id: "model.jaffle_shop.customers", changes: ["body"] })]);
    expect(res.json.owner_team).toMatchObject({ id: analytics.id });
    expect(res.json.downstream).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ id: customers!.id, direct: true, other_team: false }),
        expect.objectContaining({ id: revenue!.id, direct: false, other_team: true, owner_team: { id: finance.id, name: "Finance" } }),
      ]),
    );
    expect(res.json.products).toEqual([
      expect.objectContaining({ name: "revenue_reporting", owner_team: { id: finance.id, name: "Finance" }, sla: "0 8 * * * UTC", datasets: [revenue!.id] }),
    ]);
    expect(res.json.teams).toEqual(expect.arrayContaining([expect.objectContaining({ id: finance.id, products: 1 })]));
    expect(res.json.markdown).toContain("<!-- tutti:ci-impact -->");
    expect(res.json.markdown).toContain("revenue_reporting");
    expect(res.json.markdown).toContain("Finance");

    // The CLI's form: changes computed locally give the same answer.
    const viaChanges = await api("/ci/impact", { as: analyticsToken, body: { project: "jaffle", changes: res.json.changes } });
    expect(viaChanges.json.products.map((p: { name: string }) => p.name)).toEqual(["revenue_reporting"]);
    expectError(await api("/ci/impact", { as: analyticsToken, body: { project: "jaffle" } }), 400, "validation_failed");
    expectError(await api("/ci/impact", { as: analyticsToken, body: { project: "nope", changes: res.json.changes } }), 404, "not_found");
  });
});

describe("pull-request cost estimate", () => {
  const DAY = 86_400_000;
  /** One production `dbt build` `daysAgo` days back: both models built, each with its own result timing. */
  function runResults(daysAgo: number) {
    const r = JSON.parse(dbtFixture("duckdb-1.8/run_results.json"));
    const at = new Date(Date.now() - daysAgo * DAY).toISOString();
    r.metadata.invocation_id = crypto.randomUUID();
    r.metadata.generated_at = at;
    const timing = [{ name: "execute", started_at: at, completed_at: at }];
    r.results = ["model.jaffle_shop.customers", "model.jaffle_shop.orders"].map((unique_id) => ({ ...r.results[0], unique_id, timing }));
    return r;
  }

  it("prices a deleted model at its measured cost per build and a new one at its materialization's median, from the last 30 days only", async () => {
    const s = await signup();
    const team = (await api("/me", { as: s })).json.teams[0];
    const { token } = await createToken(s, team.id);
    const manifest = dbtFixture("duckdb-1.8/manifest.json");
    const { project } = await uploadManifest(token, "jaffle", "prod", manifest);
    // Four production builds in the window, one long before it.
    for (const daysAgo of [1, 2, 3, 4, 45]) {
      const res = await api("/dbt/artifacts", { as: token, body: { project: "jaffle", environment: "prod", run_results: runResults(daysAgo) } });
      expect(res.status, res.text).toBe(201);
    }
    const datasetOf = async (uniqueId: string) =>
      (await (
        await tenantD1(s.tenant.id)
      )
        .prepare("SELECT node_id FROM dbt_nodes WHERE tenant_id = ? AND project_id = ? AND unique_id = ?")
        .bind(s.tenant.id, project.id, uniqueId)
        .first<{ node_id: string }>())!.node_id;
    const [customers, orders] = [await datasetOf("model.jaffle_shop.customers"), await datasetOf("model.jaffle_shop.orders")];
    const cost = (ref: string, dataset: string, amount: number, daysAgo: number) => ({
      source: "snowflake",
      external_ref: ref,
      amount,
      currency: "USD",
      started_at: new Date(Date.now() - daysAgo * DAY).toISOString(),
      attribution: { dataset_ids: [dataset] },
    });
    // customers: 8 dollars over 4 builds (2 a build); orders: 2 over 4 (0.5 a build), and 100 before the window.
    const posted = await api("/costs", {
      as: token,
      body: {
        records: [cost("c1", customers, 4, 1), cost("c2", customers, 4, 3), cost("o1", orders, 1, 2), cost("o2", orders, 1, 4), cost("old", orders, 100, 45)],
      },
    });
    expect(posted.status, posted.text).toBe(200);

    const pr = JSON.parse(manifest);
    delete pr.nodes["model.jaffle_shop.orders"];
    pr.nodes["model.jaffle_shop.order_items"] = {
      ...structuredClone(JSON.parse(manifest).nodes["model.jaffle_shop.orders"]),
      unique_id: "model.jaffle_shop.order_items",
      name: "order_items",
    };
    pr.nodes["model.jaffle_shop.customers"].checksum = { name: "sha256", checksum: "2".repeat(64) };
    const res = await api("/ci/impact", { as: token, body: { project: "jaffle", manifest: pr } });
    expect(res.status, res.text).toBe(200);
    expect(res.json.cost).toMatchObject({ currency: "USD", builds_per_month: 4, estimated_change_micros: 3_000_000 });
    expect(res.json.cost.estimates).toEqual([
      expect.objectContaining({
        name: "orders",
        change: "deleted",
        basis: "measured",
        cost_per_build_micros: 500_000,
        builds_per_month: 4,
        monthly_change_micros: -2_000_000,
      }),
      expect.objectContaining({
        name: "order_items",
        change: "new",
        basis: "median",
        materialized: "table",
        cost_per_build_micros: 1_250_000,
        monthly_change_micros: 5_000_000,
      }),
    ]);
    // The comment shows each estimate's basis; the changed SQL of customers is at stake but not priced.
    expect(res.json.markdown).toContain("Estimated change of monthly spend: +3.00 USD");
    expect(res.json.markdown).toContain(
      "| `order_items` | new (table) | 1.2500 USD | 4 | +5.00 USD | median of 2 table models × the project's 4 production build(s) a month |",
    );
    expect(res.json.markdown).toContain("| `orders` | deleted (table) | 0.5000 USD | 4 | −2.00 USD | measured: 4 build(s) in 30 days |");

    // The CLI's form (changes computed locally, materializations included) gives the same estimate.
    const viaChanges = await api("/ci/impact", { as: token, body: { project: "jaffle", changes: res.json.changes } });
    expect(viaChanges.json.cost.estimates).toEqual(res.json.cost.estimates);
  });
});
