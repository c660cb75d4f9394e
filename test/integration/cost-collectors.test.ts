import { describe, expect, it } from "vitest";
import { fakeCredentials } from "../fakes/credentials";
import { api, expectError, signup, type Session } from "../helpers/api";
import { tenantD1 } from "../helpers/tenant-db";
import { alarmAt, collectors, enable, ledger, total } from "../helpers/collectors";
import { setEngineTime, engineTimers } from "../helpers/engine";
import { createToken } from "../helpers/fixtures";
import { product } from "../helpers/costs";
import { openLineageFixtures } from "../helpers/lineage-fixtures";
import { postEvent } from "../helpers/lineage";
import { pushPipeline, setupTenant, toolTask } from "../helpers/pipelines";
import { createConnection, fakePlan, fakeUrl, firstTask, pollToEnd, startRun, uniqueNumber } from "../helpers/tool-fakes";

const HOUR = 3_600_000;
/** Business time of the first pass; every vendor row is placed relative to it (no dependence on today's date). */
const T = Date.parse("2026-03-04T12:00:00.000Z");
const at = (ms: number) => new Date(ms).toISOString().replace("Z", "+00:00");
const sf = fakeCredentials.snowflake;
const dbx = fakeCredentials.databricks;

async function registerAccountUsage(role: string, views: Record<string, unknown[]>) {
  const res = await fetch(`${fakeUrl("snowflake")}/__fake/account-usage/${role}`, { method: "PUT", body: JSON.stringify(views) });
  expect(res.status).toBe(204);
}

async function registerSystemTables(warehouseId: string, tables: Record<string, unknown[]>) {
  const res = await fetch(`${fakeUrl("databricks")}/__fake/system-tables/${warehouseId}`, { method: "PUT", body: JSON.stringify(tables) });
  expect(res.status).toBe(204);
}

/** A finished run of a one-task pipeline, whose id the vendor's query tags can name. */
async function finishedRun(s: Session, teamSlug: string, name: string) {
  await pushPipeline(s, { name, team: teamSlug, tasks: [toolTask("load")] });
  const run = await startRun(s, name);
  expect((await pollToEnd(s, run.id)).status).toBe("succeeded");
  return run.id;
}

/** A catalog dataset for a Snowflake table, through an OpenLineage event. */
const snowflakeTable = (s: Session, teamId: string, name: string) => catalogTable(s, teamId, `snowflake://${sf.account.toLowerCase()}`, name);

/** A catalog dataset `name` in `namespace`, through an OpenLineage event. */
async function catalogTable(s: Session, teamId: string, namespace: string, name: string) {
  const { token } = await createToken(s, teamId, ["lineage:write", "read"]);
  const e = JSON.parse(openLineageFixtures["openlineage/marquez_event_simple.json"]);
  e.run.runId = crypto.randomUUID();
  e.inputs = [];
  e.outputs = [{ namespace, name }];
  expect((await postEvent(token, JSON.stringify(e))).status).toBeLessThan(300);
  const res = await api(`/datasets?q=${encodeURIComponent(name)}`, { as: s });
  return (res.json.items as Array<{ id: string; name: string }>).find((d) => d.name === name)!.id;
}

describe("cost collectors", () => {
  it("a Snowflake collector fills the ledger and usage with known figures, corrects a late row without doubling, and adds nothing when run again", async () => {
    const { s, team } = await setupTenant();
    const runId = await finishedRun(s, team.slug, "sf_load");
    const revenueTable = await snowflakeTable(s, team.id, "ANALYTICS.MARTS.REVENUE");
    const revenue = await product(s, { name: "revenue", owner_team_id: team.id, pipelines: [{ name: "sf_load" }], datasets: [{ id: revenueTable }] });
    const role = `COLLECT_${uniqueNumber()}`;
    const conn = await createConnection(
      s,
      team.id,
      "snowflake",
      "sf",
      { base_url: fakeUrl("snowflake"), account: sf.account.toLowerCase(), role },
      { token: sf.token },
    );

    const hourStart = T - 5 * HOUR;
    const qah = (id: string, startedAt: number, credits: string | null, extra: Record<string, unknown> = {}) => ({
      QUERY_ID: id,
      QUERY_TAG: "",
      USER_NAME: "DBT_SVC",
      WAREHOUSE_NAME: "TRANSFORM_WH",
      START_TIME: at(startedAt),
      END_TIME: at(startedAt + 60_000),
      CREDITS_ATTRIBUTED_COMPUTE: credits,
      CREDITS_USED_QUERY_ACCELERATION: null,
      ...extra,
    });
    const views = (q1Credits: string) => ({
      query_attribution_history: [
        qah("q-tagged", hourStart + 10 * 60_000, q1Credits),
        qah("q-accelerated", hourStart + 20 * 60_000, "0.25", { CREDITS_USED_QUERY_ACCELERATION: "0.05" }),
        qah("q-unattributed-yet", hourStart + 30 * 60_000, null),
        // Published after the first read (ACCOUNT_USAGE latency): the second pass finds it.
        { ...qah("q-late", T - 3 * HOUR, "0.1"), _hidden_reads: 1 },
      ],
      query_history: [
        { QUERY_ID: "q-tagged", START_TIME: at(hourStart + 10 * 60_000), QUERY_TAG: `tutti:${runId}:load:1`, USER_NAME: "TUTTI_SVC", ROLE_NAME: role },
      ],
      warehouse_metering_history: [
        {
          WAREHOUSE_NAME: "TRANSFORM_WH",
          START_TIME: at(hourStart),
          END_TIME: at(hourStart + HOUR),
          CREDITS_USED_COMPUTE: "2.000000000",
          CREDITS_ATTRIBUTED_COMPUTE_QUERIES: "0.750000000",
        },
      ],
      access_history: [
        {
          QUERY_ID: "a-1",
          QUERY_START_TIME: at(T - 4 * HOUR),
          USER_NAME: "ANNA",
          BASE_OBJECTS_ACCESSED: [
            { objectDomain: "Table", objectId: 66564, objectName: "ANALYTICS.MARTS.REVENUE", columns: [{ columnId: 1, columnName: "AMOUNT" }] },
            { objectDomain: "TABLE", objectId: "7", objectName: "RAW.UNKNOWN.ORDERS" },
          ],
        },
        {
          QUERY_ID: "a-2",
          QUERY_START_TIME: at(T - 3 * HOUR),
          USER_NAME: "BOB",
          BASE_OBJECTS_ACCESSED: [{ objectDomain: "Table", objectName: "ANALYTICS.MARTS.REVENUE" }],
        },
      ],
    });
    // The second access query came from Looker, by its tag.
    const first = views("0.5");
    first.query_history.push({ QUERY_ID: "a-2", START_TIME: at(T - 3 * HOUR), QUERY_TAG: "looker:dashboard/42", USER_NAME: "BOB", ROLE_NAME: role });
    await registerAccountUsage(role, first);

    await setEngineTime(s.tenant.id, T - 65_000);
    const enabled = await enable(s, conn.id, { lookback_days: 1 });
    // The first pass is due a minute after enabling (the clock moves on a little while the test runs).
    expect(enabled).toMatchObject({ enabled: true, last_run: null });
    expect(Date.parse(enabled.next_run_at)).toBeGreaterThanOrEqual(T - 5_000);
    expect(Date.parse(enabled.next_run_at)).toBeLessThan(T);

    // Pass 1: credits × 3 USD (the default price). Tagged 0.5 → 1.5; 0.25 + 0.05 accelerated → 0.9; idle 2 − 0.75 → 3.75.
    await alarmAt(s.tenant.id, T);
    let records = await ledger(s.tenant.id, "snowflake");
    expect(records.map((r) => [r.external_ref, r.amount_micros])).toEqual([
      [`idle:TRANSFORM_WH:${new Date(hourStart).toISOString()}`, 3_750_000],
      ["q-accelerated", 900_000],
      ["q-tagged", 1_500_000],
    ]);
    expect(records.find((r) => r.external_ref === "q-tagged")).toMatchObject({ run_id: runId, task_key: "load", team_id: team.id });
    let [state] = await collectors(s);
    expect(state.last_run).toMatchObject({ inserted: 3, updated: 0, error: null, usage_events: 2 });
    const firstMark = state.watermarks.queries;
    expect(Date.parse(firstMark)).toBeGreaterThanOrEqual(T);

    // Usage: one read per query and catalogued table, by person and tool; an unknown table counts for nothing.
    const usage = await (await tenantD1(s.tenant.id))
      .prepare("SELECT consumer, product_id, kind, count FROM usage_events WHERE tenant_id = ? ORDER BY consumer")
      .bind(s.tenant.id)
      .all();
    expect(usage.results).toEqual([
      { consumer: "ANNA", product_id: revenue.id, kind: "query", count: 1 },
      { consumer: "BOB via looker", product_id: revenue.id, kind: "query", count: 1 },
    ]);

    // Pass 2, an hour later: the tagged query's credits were restated (0.5 → 0.6) and the late query appeared.
    await registerAccountUsage(role, { ...views("0.6"), query_history: first.query_history });
    await alarmAt(s.tenant.id, T + HOUR + 30_000);
    records = await ledger(s.tenant.id, "snowflake");
    expect(records.find((r) => r.external_ref === "q-tagged")!.amount_micros).toBe(1_800_000);
    expect(records.find((r) => r.external_ref === "q-late")!.amount_micros).toBe(300_000);
    expect(total(records)).toBe(3_750_000 + 900_000 + 1_800_000 + 300_000);
    [state] = await collectors(s);
    expect(state.last_run).toMatchObject({ inserted: 1, updated: 1, usage_events: 0, error: null });
    expect(Date.parse(state.watermarks.queries)).toBeGreaterThan(Date.parse(firstMark));

    // Pass 3: nothing new at the vendor; the re-read trailing window changes nothing.
    await alarmAt(s.tenant.id, T + 2 * HOUR + 60_000);
    expect(total(await ledger(s.tenant.id, "snowflake"))).toBe(6_750_000);
    [state] = await collectors(s);
    expect(state.last_run).toMatchObject({ inserted: 0, updated: 0, error: null });
    expect(state.last_run!.unchanged).toBeGreaterThan(0);
    expect(
      (await (await tenantD1(s.tenant.id)).prepare("SELECT count(*) AS n FROM usage_events WHERE tenant_id = ?").bind(s.tenant.id).first<{ n: number }>())!.n,
    ).toBe(2);

    // The product page: its Snowflake cost (the tagged query through the pipeline, and the idle hour it shared) and when it was collected.
    const card = await api(`/products/${revenue.id}/scorecard?period=2026-03`, { as: s });
    expect(card.status, card.text).toBe(200);
    expect(card.json.cost_sources).toEqual([{ source: "snowflake", amount: 5.55, collected_at: expect.any(String) }]);

    // Another tenant sees none of it.
    const other = await signup();
    expect(await collectors(other)).toEqual([]);
    expectError(await api(`/collectors/${conn.id}/runs`, { as: other }), 404, "not_found");
    expectError(await api(`/collectors/${conn.id}`, { as: other, method: "PUT", body: { enabled: false } }), 404, "not_found");
    expect(await ledger(other.tenant.id, "snowflake")).toEqual([]);
  });

  it("a collector whose role lacks the grants records the error, shows it, and tries again later", async () => {
    const { s, team } = await setupTenant();
    const conn = await createConnection(
      s,
      team.id,
      "snowflake",
      "sf",
      { base_url: fakeUrl("snowflake"), account: sf.account.toLowerCase(), role: `NO_GRANTS_${uniqueNumber()}` },
      { token: sf.token },
    );
    await setEngineTime(s.tenant.id, T - 65_000);
    await enable(s, conn.id, { lookback_days: 1, interval_minutes: 60 });
    await alarmAt(s.tenant.id, T);
    const [state] = await collectors(s);
    expect(state.last_run!.error).toContain(
      "002003 (42S02): SQL compilation error: Object 'SNOWFLAKE.ACCOUNT_USAGE.QUERY_ATTRIBUTION_HISTORY' does not exist or not authorized.",
    );
    expect(state.last_run!.error).not.toContain(sf.token);
    expect(state.watermarks).toEqual({});
    expect(Date.parse(state.next_run_at!)).toBeGreaterThan(T);
    const runs = await api(`/collectors/${conn.id}/runs`, { as: s });
    expect(runs.json.items).toHaveLength(1);
    expect((await engineTimers(s.tenant.id)).some((t) => t.key === `collector:${conn.id}`)).toBe(true);

    // Disabling removes the timer; the history stays.
    const off = await api(`/collectors/${conn.id}`, { as: s, method: "PUT", body: { enabled: false } });
    expect(off.json).toMatchObject({ enabled: false, next_run_at: null });
    expect((await engineTimers(s.tenant.id)).some((t) => t.key === `collector:${conn.id}`)).toBe(false);
  });

  it("a Databricks collector prices DBUs at list price, gives job-run usage to the task that started the run, and sums a retraction", async () => {
    const { s, team } = await setupTenant();
    const conn = await createConnection(s, team.id, "databricks", "dbx", { base_url: fakeUrl("databricks") }, { token: dbx.token });
    const jobId = uniqueNumber();
    await fakePlan("databricks", jobId, { polls: 0, outcome: "SUCCESS" });
    await pushPipeline(s, {
      name: "dbx_job",
      team: team.slug,
      tasks: [{ id: "train", connector: "databricks", connection: "dbx", with: { job_id: jobId, collect_cost: false }, poll_interval: "1s" }],
    });
    const run = await startRun(s, "dbx_job");
    const done = await pollToEnd(s, run.id);
    const jobRunId = firstTask(done).external_id!;
    const warehouse = `wh${uniqueNumber()}`;
    const usage = (id: string, quantity: string, ingested: string, extra: Record<string, unknown> = {}) => ({
      record_id: id,
      account_id: "acc",
      workspace_id: "1234567890123456",
      sku_name: "PREMIUM_JOBS_COMPUTE",
      cloud: "AWS",
      usage_start_time: at(T - 6 * HOUR),
      usage_end_time: at(T - 5 * HOUR),
      usage_date: "2026-03-04",
      usage_unit: "DBU",
      usage_quantity: quantity,
      usage_metadata: { job_id: String(jobId), job_run_id: jobRunId },
      record_type: "ORIGINAL",
      ingestion_date: ingested,
      ...extra,
    });
    await registerSystemTables(warehouse, {
      usage: [
        usage("r-1", "10.000000000000000000", "2026-03-04"),
        usage("r-other", "4.000000000000000000", "2026-03-04", { usage_metadata: { job_id: "1", job_run_id: "999" } }),
        // A correction ingested a day later: the first record is retracted and restated at 8 DBU.
        { ...usage("r-1-retraction", "-10.000000000000000000", "2026-03-05", { record_type: "RETRACTION" }), _hidden_reads: 1 },
        { ...usage("r-1-restatement", "8.000000000000000000", "2026-03-05", { record_type: "RESTATEMENT" }), _hidden_reads: 1 },
        usage("r-storage", "3.5", "2026-03-04", { usage_unit: "GB" }),
      ],
      list_prices: [
        {
          price_start_time: at(T - 400 * 24 * HOUR),
          price_end_time: null,
          account_id: "acc",
          sku_name: "PREMIUM_JOBS_COMPUTE",
          cloud: "AWS",
          currency_code: "USD",
          usage_unit: "DBU",
          pricing: { default: "0.15", effective_list: { default: "0.15" } },
        },
      ],
    });
    await setEngineTime(s.tenant.id, T - 65_000);
    await enable(s, conn.id, { lookback_days: 2, warehouse_id: warehouse });
    await alarmAt(s.tenant.id, T);
    const records = await ledger(s.tenant.id, "databricks");
    expect(records.map((r) => [r.external_ref, r.amount_micros, r.run_id, r.task_key])).toEqual([
      ["r-1", 1_500_000, run.id, "train"],
      ["r-other", 600_000, null, null],
    ]);

    // A day later the correction has landed: 10 − 10 + 8 DBU at 0.15 for the task, the other job's unchanged.
    await alarmAt(s.tenant.id, T + 24 * HOUR);
    const after = await ledger(s.tenant.id, "databricks");
    expect(total(after.filter((r) => r.run_id === run.id))).toBe(1_200_000);
    expect(total(after)).toBe(1_800_000);
    const [state] = await collectors(s);
    expect(state.last_run).toMatchObject({ inserted: 2, updated: 0, error: null });
  });

  it("a Databricks collector turns table_lineage reads into usage by person and tool, once however often the window is read", async () => {
    const { s, team } = await setupTenant();
    const conn = await createConnection(s, team.id, "databricks", "dbx", { base_url: fakeUrl("databricks") }, { token: dbx.token });
    // dbt's OpenLineage integration names Unity Catalog tables in databricks://<workspace host>.
    const namespace = `databricks://${new URL(fakeUrl("databricks")).host}`;
    const ordersTable = await catalogTable(s, team.id, namespace, "main.sales.orders");
    await catalogTable(s, team.id, namespace, "main.sales.returns");
    const orders = await product(s, { name: "orders", owner_team_id: team.id, datasets: [{ id: ordersTable }] });
    const warehouse = `wh${uniqueNumber()}`;
    const read = (who: string, table: string | null, time: number, extra: Record<string, unknown> = {}) => ({
      account_id: "acc",
      metastore_id: "ms-1",
      workspace_id: "1234567890123456",
      entity_type: "DBSQL_QUERY",
      entity_id: `q-${time}`,
      entity_run_id: `run-${time}`,
      source_table_full_name: table,
      source_table_catalog: table?.split(".")[0] ?? null,
      source_table_schema: table?.split(".")[1] ?? null,
      source_table_name: table?.split(".")[2] ?? null,
      source_path: null,
      source_type: "TABLE",
      target_table_full_name: null,
      target_type: null,
      created_by: who,
      event_time: at(time),
      event_date: at(time).slice(0, 10),
      ...extra,
    });
    await registerSystemTables(warehouse, {
      usage: [],
      list_prices: [],
      table_lineage: [
        read("anna@example.com", "main.sales.orders", T - 5 * HOUR),
        read("anna@example.com", "main.sales.orders", T - 4 * HOUR),
        // One notebook statement writing two tables from the orders table: two lineage rows, one read.
        read("bob@example.com", "main.sales.orders", T - 3 * HOUR, { entity_type: "NOTEBOOK", entity_id: "nb-7", target_table_full_name: "main.tmp.a" }),
        read("bob@example.com", "main.sales.orders", T - 3 * HOUR, { entity_type: "NOTEBOOK", entity_id: "nb-7", target_table_full_name: "main.tmp.b" }),
        // A catalogued table no product claims: unassigned. An uncatalogued one and a path read: nothing.
        read("anna@example.com", "main.sales.returns", T - 2 * HOUR),
        read("anna@example.com", "main.raw.events", T - 2 * HOUR),
        read("anna@example.com", null, T - 2 * HOUR, { source_type: "PATH", source_path: "s3://bucket/raw" }),
        // Before the lookback window.
        read("carl@example.com", "main.sales.orders", T - 30 * HOUR),
      ],
    });
    await setEngineTime(s.tenant.id, T - 65_000);
    await enable(s, conn.id, { lookback_days: 1, warehouse_id: warehouse });
    await alarmAt(s.tenant.id, T);
    const usage = async () =>
      (await tenantD1(s.tenant.id))
        .prepare(
          "SELECT consumer, product_id, kind, sum(count) AS n FROM usage_events WHERE tenant_id = ? GROUP BY consumer, product_id, kind ORDER BY consumer, product_id",
        )
        .bind(s.tenant.id)
        .all();
    const expected = [
      { consumer: "anna@example.com via dbsql_query", product_id: "", kind: "query", n: 1 },
      { consumer: "anna@example.com via dbsql_query", product_id: orders.id, kind: "query", n: 2 },
      { consumer: "bob@example.com via notebook", product_id: orders.id, kind: "query", n: 1 },
    ];
    expect((await usage()).results).toEqual(expected);
    let [state] = await collectors(s);
    expect(state.last_run).toMatchObject({ error: null, usage_events: 4 });
    expect(Date.parse(state.watermarks.reads)).toBeGreaterThanOrEqual(T);

    // An hour later (past the next pass's due time) the trailing day is read again: the same rows count once.
    await alarmAt(s.tenant.id, T + HOUR + 30_000);
    [state] = await collectors(s);
    expect(state.last_run).toMatchObject({ error: null, usage_events: 0 });
    expect((await usage()).results).toEqual(expected);
  });

  it("only tenant admins see or change collectors, and a Databricks collector needs its SQL warehouse", async () => {
    const { s, team } = await setupTenant();
    const conn = await createConnection(s, team.id, "databricks", "dbx", { base_url: fakeUrl("databricks") }, { token: dbx.token });
    const bad = await api(`/collectors/${conn.id}`, { as: s, method: "PUT", body: { enabled: true, settings: { role: "X" } } });
    expectError(bad, 400, "validation_failed");
    expect(bad.json.error.details.map((d: { path: string }) => d.path).sort()).toEqual(["settings.role", "settings.warehouse_id"]);
    const tool = (await api("/connections", { as: s })).json.items.find((c: { kind: string }) => c.kind === "http");
    expectError(await api(`/collectors/${tool.id}`, { as: s, method: "PUT", body: { enabled: true } }), 400, "validation_failed");
    const { token } = await createToken(s, team.id, ["read", "metadata:write"]);
    expectError(await api("/collectors", { as: token }), 403, "forbidden");
    expectError(await api(`/collectors/${conn.id}`, { as: token, method: "PUT", body: { enabled: false } }), 403, "forbidden");
  });
});
