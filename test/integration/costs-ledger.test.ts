import { describe, expect, it } from "vitest";
import { TIB } from "../../worker/costs/bigquery";
import { api, expectError, signup, type Session } from "../helpers/api";
import { postCosts, product, record } from "../helpers/costs";
import { createToken, firstTeamId } from "../helpers/fixtures";
import { withWritesInFlightTogether } from "../helpers/in-flight";
import { dbtFixture } from "../helpers/lineage-fixtures";

const batch = (n: number, day: string) =>
  Array.from({ length: n }, (_, i) =>
    record({ source: "snowflake", external_ref: `q-${day}-${i}`, amount: 1.25, quantity: 0.5, unit: "credits", started_at: `${day}T0${i % 10}:00:00Z` }),
  );

async function total(as: Session | string, query: string) {
  const res = await api(`/costs/explorer?${query}`, { as });
  expect(res.status, res.text).toBe(200);
  return res.json.total as number;
}

describe("cost ledger", () => {
  it("the same batch posted twice is counted once; a corrected figure replaces the first", async () => {
    const s = await signup();
    const records = batch(40, "2026-04-03");
    const first = await postCosts(s, records);
    expect(first).toMatchObject({ inserted: 40, updated: 0, unchanged: 0 });
    const again = await postCosts(s, records);
    expect(again).toMatchObject({ inserted: 0, updated: 0, unchanged: 40 });
    expect(again.records.every((r) => r.status === "unchanged")).toBe(true);
    expect(await total(s, "from=2026-04-01&to=2026-04-30")).toBe(50);
    const list = await api("/costs?from=2026-04-01T00:00:00Z&to=2026-05-01T00:00:00Z&limit=200", { as: s });
    expect(list.json.items).toHaveLength(40);

    // A corrected bill: same source and ref, new amount and a later day; the old day's total drops with it.
    const corrected = await postCosts(s, [{ ...records[0], amount: 11.25, started_at: "2026-04-09T00:00:00Z" }]);
    expect(corrected).toMatchObject({ inserted: 0, updated: 1 });
    expect(await total(s, "from=2026-04-01&to=2026-04-30")).toBe(60);
    expect(await total(s, "from=2026-04-03&to=2026-04-03")).toBe(48.75);
  });

  it("copies of one batch sent at the same moment are inserted once, reported once and audited once", async () => {
    const s = await signup();
    const records = batch(3, "2026-05-04");
    const results = await withWritesInFlightTogether(/INSERT INTO cost_records/, 4, () => Promise.all(Array.from({ length: 4 }, () => postCosts(s, records))));
    expect(results.map((r) => [r.inserted, r.updated, r.unchanged]).sort()).toEqual([
      [0, 0, 3],
      [0, 0, 3],
      [0, 0, 3],
      [3, 0, 0],
    ]);
    expect(await total(s, "from=2026-05-01&to=2026-05-31")).toBe(3.75);
    const audit = await api("/audit-log?action=cost.ingest", { as: s });
    expect(audit.json.items.map((e: { details: unknown }) => e.details)).toEqual([
      { inserted: 3, updated: 0, unchanged: 0, refused: 0, sources: ["snowflake"] },
    ]);

    // Two corrections of one record racing: the one applied first is an update, the other (same figures) changes nothing.
    const fix = [{ ...records[0], amount: 2 }];
    const fixes = await withWritesInFlightTogether(/INSERT INTO cost_records/, 2, () => Promise.all([postCosts(s, fix), postCosts(s, fix)]));
    expect(fixes.map((r) => [r.inserted, r.updated, r.unchanged]).sort()).toEqual([
      [0, 0, 1],
      [0, 1, 0],
    ]);
    expect(await total(s, "from=2026-05-01&to=2026-05-31")).toBe(4.5);
    expect((await api("/audit-log?action=cost.ingest", { as: s })).json.items).toHaveLength(2);
  });

  it("refuses wrong currencies and units, naming each record's field, and stores nothing", async () => {
    const s = await signup();
    const res = await api("/costs", {
      as: s,
      body: {
        records: [
          record({ source: "snowflake", external_ref: "ok", amount: 1, quantity: 1, unit: "credits" }),
          record({ source: "snowflake", external_ref: "eur", amount: 1, currency: "EUR" }),
          record({ source: "aws", external_ref: "lower", amount: 1, currency: "usd" }),
          record({ source: "aws", external_ref: "fake", amount: 1, currency: "XYZ" }),
          record({ source: "snowflake", external_ref: "dbu", amount: 1, quantity: 3, unit: "dbu" }),
          record({ source: "aws", external_ref: "furlong", amount: 1, quantity: 3, unit: "furlongs" }),
          record({ source: "aws", external_ref: "half", amount: 1, quantity: 3 }),
          record({ source: "aws", external_ref: "ok", amount: 1 }),
          record({ source: "aws", external_ref: "ok", amount: 2 }),
          record({ source: "aws", external_ref: "backwards", amount: 1, started_at: "2026-04-02T00:00:00Z", ended_at: "2026-04-01T00:00:00Z" }),
          record({ source: "aws", external_ref: "future", amount: 1, started_at: "2099-01-01T00:00:00Z" }),
          record({ source: "aws", external_ref: "who", amount: 1, attribution: { run_id: "run_doesnotexist000000", products: [{ name: "nope" }] } }),
        ],
      },
    });
    expectError(res, 400, "validation_failed");
    const paths = Object.fromEntries(res.json.error.details.map((d: { path: string; message: string }) => [d.path, d.message]));
    expect(paths["records[1].currency"]).toMatch(/kept in USD/);
    expect(paths["records[2].currency"]).toMatch(/ISO 4217/);
    expect(paths["records[3].currency"]).toMatch(/ISO 4217/);
    expect(paths["records[4].unit"]).toMatch(/snowflake costs are measured in credits/);
    expect(paths["records[5].unit"]).toMatch(/unknown unit/);
    expect(paths["records[6].unit"]).toMatch(/together/);
    expect(paths["records[8].external_ref"]).toMatch(/repeats records\[7\]/);
    expect(paths["records[9].ended_at"]).toMatch(/before started_at/);
    expect(paths["records[10].started_at"]).toMatch(/future/);
    expect(paths["records[11].attribution.run_id"]).toBe("no such run");
    expect(paths["records[11].attribution.products[0].name"]).toBe("no such product");
    expect(paths["records[0].currency"]).toBeUndefined();
    const list = await api("/costs", { as: s });
    expect(list.json.items).toEqual([]);
  });

  it("bad input: unknown fields, negative amounts, empty and oversized batches", async () => {
    const s = await signup();
    const cases: Array<[unknown, string]> = [
      [{ records: [record({ source: "aws", external_ref: "x", amount: 1, colour: "red" })] }, "records[0].colour"],
      [{ records: [record({ source: "aws", external_ref: "x", amount: -1 })] }, "records[0].amount"],
      [{ records: [record({ source: "AWS!", external_ref: "x", amount: 1 })] }, "records[0].source"],
      [{ records: [record({ source: "aws", external_ref: "x", amount: 1, started_at: "yesterday" })] }, "records[0].started_at"],
      [{ records: [] }, "records"],
      [{ records: Array.from({ length: 1001 }, (_, i) => record({ source: "aws", external_ref: `r${i}`, amount: 1 })) }, "records"],
    ];
    for (const [body, path] of cases) {
      const res = await api("/costs", { as: s, body });
      expectError(res, 400, "validation_failed");
      expect(res.json.error.details.map((d: { path: string }) => d.path)).toContain(path);
    }
  });

  it("changing the currency is refused once cost is recorded; prices are for admins", async () => {
    const s = await signup();
    const teamId = await firstTeamId(s);
    const { token } = await createToken(s, teamId);
    expect((await api("/cost-settings", { as: s, method: "PATCH", body: { currency: "EUR" } })).json.currency).toBe("EUR");
    expectError(await api("/cost-settings", { as: s, method: "PATCH", body: { currency: "EURO" } }), 400, "validation_failed");
    await postCosts(s, [record({ source: "aws", external_ref: "a", amount: 3, currency: "EUR" })]);
    expectError(await api("/cost-settings", { as: s, method: "PATCH", body: { currency: "USD" } }), 409, "conflict");
    expectError(await api("/cost-settings", { as: token, method: "PATCH", body: { bigquery_per_tib: 5 } }), 403, "forbidden");
    const settings = await api("/cost-settings", { as: s, method: "PATCH", body: { bigquery_per_tib: 5 } });
    expect(settings.json).toMatchObject({ currency: "EUR", bigquery_per_tib: 5 });
  });

  it("BigQuery bytes billed in uploaded dbt run_results become cost at the tenant's price per TiB, once", async () => {
    const s = await signup();
    const teamId = await firstTeamId(s);
    const { token } = await createToken(s, teamId);
    await api("/cost-settings", { as: s, method: "PATCH", body: { bigquery_per_tib: 5 } });
    const manifest = JSON.parse(dbtFixture("bigquery-1.9/manifest.json"));
    const runResults = JSON.parse(dbtFixture("bigquery-1.9/run_results.json"));
    const upload = await api("/dbt/artifacts", { as: token, body: { project: "jaffle_bq", environment: "prod", manifest, run_results: runResults } });
    expect(upload.status, upload.text).toBe(201);
    const billed = (runResults.results as Array<{ unique_id: string; adapter_response: { bytes_billed?: number; job_id?: string } }>).filter(
      (r) => (r.adapter_response.bytes_billed ?? 0) > 0,
    );
    const records = await api("/costs?source=bigquery&limit=200", { as: s });
    expect(records.json.items).toHaveLength(billed.length);
    const customers = billed.find((r) => r.unique_id === "model.jaffle_shop.customers")!;
    const row = records.json.items.find((c: { description: string }) => c.description === "dbt model.jaffle_shop.customers");
    expect(row).toMatchObject({
      source: "bigquery",
      external_ref: `your-project:asia-northeast1:${customers.adapter_response.job_id}`,
      unit: "bytes",
      quantity: customers.adapter_response.bytes_billed,
      amount: Math.round((customers.adapter_response.bytes_billed! / TIB) * 5 * 1e6) / 1e6,
      team_id: teamId,
    });
    expect(row.attribution.datasetIds).toHaveLength(1);

    // A product claiming the model gets its cost; uploading the same files again adds nothing.
    const again = await api("/dbt/artifacts", { as: token, body: { project: "jaffle_bq", environment: "prod", manifest, run_results: runResults } });
    expect(again.status).toBe(200);
    expect((await api("/costs?source=bigquery&limit=200", { as: s })).json.items).toHaveLength(billed.length);
    const sum = billed.reduce((a, r) => a + r.adapter_response.bytes_billed!, 0);
    expect(Math.abs((await total(s, "group_by=source&from=2024-12-01&to=2024-12-31")) - (sum / TIB) * 5)).toBeLessThan(billed.length * 1e-6);
  });

  it("exports the explorer's table as CSV", async () => {
    const s = await signup();
    const teamId = await firstTeamId(s);
    const p = await product(s, { name: "fin", title: "Finance, revenue", owner_team_id: teamId });
    await postCosts(s, [
      record({ source: "aws", external_ref: "a", amount: 2.5, started_at: "2026-02-01T10:00:00Z", attribution: { products: [{ name: "fin" }] } }),
      record({ source: "aws", external_ref: "b", amount: 1, started_at: "2026-02-02T10:00:00Z" }),
    ]);
    const res = await api("/costs/export?from=2026-02-01&to=2026-02-03&group_by=product", { as: s });
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toMatch(/^text\/csv/);
    expect(res.headers.get("content-disposition")).toContain("tutti-costs-2026-02-01-to-2026-02-03-by-product-day.csv");
    expect(res.text).toBe(`period,product,product_id,amount,currency\r\n2026-02-01,"Finance, revenue",${p.id},2.5,USD\r\n2026-02-02,No product,,1,USD\r\n`);
    expectError(await api("/costs/export?from=2026-02-05&to=2026-02-01", { as: s }), 400, "validation_failed");
    expectError(await api("/costs/explorer?from=2020-01-01&to=2026-01-01&granularity=day", { as: s }), 400, "validation_failed");
  });

  it("a `to` that is not a day is refused with 400 naming `to`, also when `from` is left to default", async () => {
    const s = await signup();
    for (const route of ["/costs/explorer", "/costs/export"]) {
      for (const query of ["to=zz", "to=2026-13-45", "to=2026-02-30", "from=2026-01-01&to=zz"]) {
        const res = await api(`${route}?${query}`, { as: s });
        expectError(res, 400, "validation_failed");
        expect(res.json.error.details, `${route}?${query}`).toEqual([{ path: "to", message: expect.any(String) }]);
      }
      const badFrom = await api(`${route}?from=2026-02-30&to=2026-03-01`, { as: s });
      expectError(badFrom, 400, "validation_failed");
      expect(badFrom.json.error.details[0].path).toBe("from");
    }
  });

  it("needs metadata:write to record cost, and read to see it", async () => {
    const s = await signup();
    const teamId = await firstTeamId(s);
    const { token: readOnly } = await createToken(s, teamId, ["read"]);
    expectError(await api("/costs", { as: readOnly, body: { records: [record({ source: "aws", external_ref: "x", amount: 1 })] } }), 403, "forbidden");
    expect((await api("/costs", { as: readOnly })).status).toBe(200);
    expectError(await api("/costs"), 401, "unauthorized");
  });
});
