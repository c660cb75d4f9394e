import { describe, expect, it } from "vitest";
import { api, expectError, signup, type Session } from "../helpers/api";
import { lineageTenant } from "../helpers/lineage";
import { postCosts, product, record } from "../helpers/costs";
import { waitForRun } from "../helpers/engine";
import { pushPipeline, setupTenant, toolTask } from "../helpers/pipelines";

/**
 * A fact shown on several pages reads the same on each: the API responses behind those pages are compared here,
 * so a page can only disagree with another by showing something the API did not say.
 */

const HOUR = 3_600_000;
const DAY = 24 * HOUR;
const iso = (t: number) => new Date(t).toISOString();

interface Write {
  job: { namespace: string; name: string };
  output: { namespace: string; name: string };
  at: number;
  rows?: number;
  bytes?: number;
}

/** A completed OpenLineage run that wrote one dataset at `at`, reported by `as`; returns the dataset's id. */
async function write(as: Session | string, w: Write): Promise<string> {
  const stats =
    w.rows === undefined
      ? {}
      : { outputStatistics: { _producer: "https://example.com/facts", _schemaURL: "https://example.com/s", rowCount: w.rows, size: w.bytes } };
  const res = await api("/lineage", {
    as,
    body: {
      eventType: "COMPLETE",
      eventTime: iso(w.at),
      producer: "https://example.com/facts-producer",
      schemaURL: "https://openlineage.io/spec/2-0-2/OpenLineage.json#/$defs/RunEvent",
      run: { runId: crypto.randomUUID() },
      job: w.job,
      inputs: [],
      outputs: [{ ...w.output, outputFacets: stats }],
    },
  });
  expect(res.status, res.text).toBe(201);
  const found = await api(`/datasets?namespace=${encodeURIComponent(w.output.namespace)}&name=${encodeURIComponent(w.output.name)}`, { as });
  return found.json.items[0].id as string;
}

describe("one truth per fact", () => {
  it("a dataset nobody declared an owner for reads as its writing pipeline's team on the dataset, catalog, graph and Owners", async () => {
    const { s, team } = await setupTenant();
    await pushPipeline(s, { name: "daily", team: team.slug, tasks: [toolTask("build")] });
    const id = await write(s, { job: { namespace: "tutti", name: "daily.build" }, output: { namespace: "wh", name: "marts.revenue" }, at: Date.now() - HOUR });
    // Whoever reported it first, the declared owner is cleared: what remains is inherited from the pipeline.
    expect((await api(`/datasets/${id}`, { as: s, method: "PATCH", body: { owner_team_id: null } })).status).toBe(200);

    const dataset = (await api(`/datasets/${id}`, { as: s })).json;
    const owners = (await api(`/owners/dataset/${id}`, { as: s })).json;
    const ownersList = (await api("/owners?type=dataset", { as: s })).json.items.find((i: { id: string }) => i.id === id);
    const search = (await api(`/datasets?owner_team_id=${team.id}`, { as: s })).json.items.map((d: { id: string }) => d.id);
    const graphRoot = (await api(`/lineage/graph?node=${id}&depth=1`, { as: s })).json.nodes.find((n: { id: string }) => n.id === id);

    expect(dataset).toMatchObject({ owner_team: { id: team.id }, owner_source: "writer" });
    expect(owners).toMatchObject({ owner_team: { id: team.id }, owner_source: "writer" });
    expect(ownersList).toMatchObject({ owner_team: { id: team.id }, owner_source: "writer" });
    expect(search).toContain(id);
    expect(graphRoot.owner_team).toEqual(dataset.owner_team);
  });

  it("a product's updated time is its datasets' last write, not a later pipeline success", async () => {
    const { s, team } = await setupTenant();
    const written = Date.now() - HOUR;
    const id = await write(s, { job: { namespace: "airflow", name: "load_orders" }, output: { namespace: "wh", name: "marts.orders" }, at: written });
    await product(s, { name: "orders", owner_team_id: team.id, datasets: [{ id }] });
    await pushPipeline(s, { name: "orders_build", team: team.slug, products: ["orders"], tasks: [toolTask("build")] });
    const run = await api("/pipelines/orders_build/runs", { as: s, body: {} });
    await waitForRun(s, run.json.id, (r) => r.status === "succeeded");

    const dataset = (await api(`/datasets/${id}`, { as: s })).json;
    const card = (await api("/scorecard", { as: s })).json.items.find((c: { product: { name: string } }) => c.product.name === "orders");
    const detail = (await api("/products/orders/scorecard", { as: s })).json;
    expect(dataset.last_write_at).toBe(iso(written));
    expect(card.reliability.updated_at).toBe(dataset.last_write_at);
    expect(detail.scorecard.reliability.updated_at).toBe(dataset.last_write_at);
    expect(dataset.products.map((p: { name: string }) => p.name)).toEqual(["orders"]);
  });

  it("a zombie's value for money is never good, and the zombie counts among the products needing attention", async () => {
    const { s, team } = await setupTenant();
    await product(s, { name: "star", owner_team_id: team.id, declared_value: { monthly_amount: 1000 } });
    await product(s, { name: "legacy", owner_team_id: team.id, declared_value: { monthly_amount: 10_000 } });
    await postCosts(s, [
      record({ source: "aws", external_ref: "star", amount: 10, attribution: { products: [{ name: "star" }] } }),
      record({ source: "aws", external_ref: "legacy", amount: 5, attribution: { products: [{ name: "legacy" }] } }),
    ]);
    await api("/usage", { as: s, body: { events: [{ product: "star", kind: "query", count: 3, at: iso(Date.now() - 60_000) }] } });

    const ranking = (await api("/scorecard", { as: s })).json;
    const byName = new Map<string, any>(ranking.items.map((c: { product: { name: string } }) => [c.product.name, c]));
    const legacy = byName.get("legacy");
    // Its ratio alone (2000×) would read good.
    expect(legacy).toMatchObject({ zombie: true, value: { ratio: 2000, state: "zombie" }, health: { status: "zombie", needs_attention: true } });
    expect(byName.get("star")).toMatchObject({ zombie: false, value: { state: "good" } });
    for (const c of ranking.items) if (c.zombie) expect(c.value.state).not.toBe("good");

    expect(ranking.totals.zombies).toBe(1);
    expect(ranking.totals.needs_attention).toBe(ranking.items.filter((c: { health: { needs_attention: boolean } }) => c.health.needs_attention).length);
    expect(ranking.totals.needs_attention).toBeGreaterThanOrEqual(ranking.totals.zombies);
    const detail = (await api("/products/legacy/scorecard", { as: s })).json;
    expect(detail.scorecard.value.state).toBe("zombie");
    expect(detail.scorecard.health).toEqual(legacy.health);
  });

  it("a dataset is first seen no later than the oldest run listed for it", async () => {
    const { s, token } = await signupWithToken();
    const output = { namespace: "wh", name: "marts.backfilled" };
    const id = await write(token, { job: { namespace: "airflow", name: "fill" }, output, at: Date.now() - HOUR });
    // A backfill reports runs from 19 days before the catalog first heard of the dataset.
    for (const daysAgo of [19, 10]) await write(token, { job: { namespace: "airflow", name: "fill" }, output, at: Date.now() - daysAgo * DAY });

    const dataset = (await api(`/datasets/${id}`, { as: s })).json;
    const runs = await allPages<{ at: string }>(s, `/datasets/${id}/runs`, 2);
    expect(runs).toHaveLength(3);
    const oldest = runs.map((r) => r.at).sort()[0];
    expect(dataset.first_seen_at <= oldest).toBe(true);
    expect(dataset.first_seen_at).toBe(oldest);
    expect(dataset.created_at > oldest).toBe(true);
  });
});

describe("dataset health", () => {
  it("leads with freshness against its expected freshness, the latest checks and the write behind its freshness", async () => {
    const { s, token } = await signupWithToken();
    const output = { namespace: "wh", name: "marts.health" };
    const earlier = Date.now() - 2 * HOUR;
    const latest = Date.now() - HOUR;
    await write(token, { job: { namespace: "airflow", name: "health.load" }, output, at: earlier, rows: 10, bytes: 100 });
    const id = await write(token, { job: { namespace: "airflow", name: "health.load" }, output, at: latest, rows: 1234, bytes: 56_789 });
    const patched = await api(`/datasets/${id}`, { as: token, method: "PATCH", body: { freshness: { cron: "0 7 * * *", timezone: "UTC", max_age: "30d" } } });
    expect(patched.status, patched.text).toBe(200);
    const observed = iso(Date.now() - 60_000);
    const quality = await api("/quality", {
      as: token,
      body: {
        results: [
          { dataset_id: id, check: "not_null", column: "id", status: "fail", observed_at: iso(Date.now() - 120_000), run_id: "r1" },
          { dataset_id: id, check: "not_null", column: "id", status: "pass", observed_at: observed, run_id: "r2" },
          { dataset_id: id, check: "row_count", status: "warn", observed_at: observed, run_id: "r2" },
          { dataset_id: id, check: "unique", column: "id", status: "skipped", observed_at: observed, run_id: "r2" },
        ],
      },
    });
    expect(quality.status, quality.text).toBeLessThan(300);

    const d = (await api(`/datasets/${id}`, { as: s })).json;
    expect(d.freshness).toMatchObject({ state: "fresh", last_write_at: iso(latest), policy: { cron: "0 7 * * *" } });
    // The not_null check's latest result passes: the earlier failure is history, not health.
    expect(d.quality).toEqual({ state: "warning", checks: 2, passing: 1, warning: 1, failing: 0, window_days: 30 });
    expect(d.last_write).toMatchObject({
      at: iso(latest),
      job: { namespace: "airflow", name: "health.load" },
      run: { id: d.last_write_run_id, source: "openlineage", state: "succeeded" },
      producer: "https://example.com/facts-producer",
      row_count: 1234,
      bytes: 56_789,
    });
    // The write the health names is the newest write the runs list shows.
    const [newest] = (await api(`/datasets/${id}/runs?role=output&limit=1`, { as: s })).json.items;
    expect(newest).toMatchObject({ at: d.last_write.at, run: { id: d.last_write.run.id }, row_count: 1234 });
  });

  it("a dataset never written has no last write and no checks", async () => {
    const { s, token } = await signupWithToken();
    const res = await api("/lineage", {
      as: token,
      body: {
        eventType: "START",
        eventTime: iso(Date.now() - 60_000),
        producer: "https://example.com/facts",
        schemaURL: "https://openlineage.io/spec/2-0-2/OpenLineage.json#/$defs/RunEvent",
        run: { runId: crypto.randomUUID() },
        job: { namespace: "airflow", name: "reader" },
        inputs: [{ namespace: "wh", name: "raw.only_read" }],
        outputs: [],
      },
    });
    expect(res.status, res.text).toBe(201);
    const id = (await api("/datasets?namespace=wh&name=raw.only_read", { as: s })).json.items[0].id;
    const d = (await api(`/datasets/${id}`, { as: s })).json;
    expect(d).toMatchObject({
      last_write: null,
      last_write_at: null,
      products: [],
      quality: { state: "no_checks", checks: 0 },
      freshness: { state: "no_policy" },
    });
  });

  it("another tenant's dataset id answers 404 on the dataset and its lists", async () => {
    const mine = await signupWithToken();
    const id = await write(mine.token, {
      job: { namespace: "airflow", name: "private" },
      output: { namespace: "wh", name: "marts.private" },
      at: Date.now() - HOUR,
    });
    const other = await signup();
    for (const path of [`/datasets/${id}`, `/datasets/${id}/runs`, `/datasets/${id}/quality`, `/datasets/${id}/events`]) {
      expectError(await api(path, { as: other }), 404, "not_found");
    }
    expect((await api(`/datasets/${id}`, { as: mine.s })).status).toBe(200);
  });

  it("pages runs by cursor: every run once, newest first, however small the page", async () => {
    const { s, token } = await signupWithToken();
    const output = { namespace: "wh", name: "marts.paged" };
    let id = "";
    for (let i = 5; i >= 1; i--) id = await write(token, { job: { namespace: "airflow", name: "paged" }, output, at: Date.now() - i * HOUR });
    const runs = await allPages<{ at: string; run: { id: string } }>(s, `/datasets/${id}/runs`, 2);
    expect(runs).toHaveLength(5);
    expect(new Set(runs.map((r) => r.run.id)).size).toBe(5);
    expect(runs.map((r) => r.at)).toEqual(
      runs
        .map((r) => r.at)
        .sort()
        .reverse(),
    );
  });
});

const signupWithToken = lineageTenant;

/** Every item of a cursor-paged list, `limit` at a time; fails if a page repeats a cursor. */
async function allPages<T>(as: Session, path: string, limit: number): Promise<T[]> {
  const out: T[] = [];
  const seen = new Set<string>();
  let cursor: string | null = null;
  for (let pages = 0; pages < 100; pages++) {
    const res = await api(`${path}?limit=${limit}${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ""}`, { as });
    expect(res.status, res.text).toBe(200);
    expect(res.json.items.length).toBeLessThanOrEqual(limit);
    out.push(...res.json.items);
    cursor = res.json.next_cursor;
    if (!cursor) return out;
    expect(seen.has(cursor)).toBe(false);
    seen.add(cursor);
  }
  throw new Error(`${path}: more than 100 pages`);
}
