import { describe, expect, it } from "vitest";
import { api, expectError, type Session } from "../helpers/api";
import { alarmAt, collectors, enable, ledger, total } from "../helpers/collectors";
import { product } from "../helpers/costs";
import { setEngineTime } from "../helpers/engine";
import { createToken } from "../helpers/fixtures";
import { postEvent } from "../helpers/lineage";
import { openLineageFixtures } from "../helpers/lineage-fixtures";
import { pushPipeline, setupTenant, toolTask } from "../helpers/pipelines";
import { bigQueryConfig, serviceAccount } from "../helpers/bigquery";
import { createConnection, fakePlan, fakeRequests, fakeUrl, pollToEnd, startRun } from "../helpers/tool-fakes";
import { tenantD1 } from "../helpers/tenant-db";

const HOUR = 3_600_000;
/** Business time of the first pass; every job is placed relative to it (no dependence on today's date). */
const T = Date.parse("2026-03-04T12:00:00.000Z");
const iso = (ms: number) => new Date(ms).toISOString();
const TIB = 2 ** 40;
const uniqueProject = () => `acme-${crypto.randomUUID().slice(0, 8)}`;

async function registerJobs(project: string, rows: unknown[]) {
  const res = await fetch(`${fakeUrl("bigquery")}/__fake/jobs/${project}`, { method: "PUT", body: JSON.stringify(rows) });
  expect(res.status).toBe(204);
}

/** A finished job row of JOBS_BY_PROJECT, created at `createdAt`. */
const job = (id: string, createdAt: number, extra: Record<string, unknown> = {}) => ({
  job_id: id,
  user_email: "anna@acme.example",
  job_type: "QUERY",
  statement_type: "SELECT",
  state: "DONE",
  creation_time: iso(createdAt),
  start_time: iso(createdAt + 1000),
  end_time: iso(createdAt + 61_000),
  total_bytes_billed: "0",
  total_slot_ms: "0",
  reservation_id: null,
  cache_hit: false,
  error_reason: null,
  labels: [],
  referenced_tables: [],
  ...extra,
});

/** A catalog dataset for a BigQuery table (`project.dataset.table` in the namespace `bigquery`), through OpenLineage. */
async function bigQueryTable(s: Session, teamId: string, name: string) {
  const { token } = await createToken(s, teamId, ["lineage:write", "read"]);
  const e = JSON.parse(openLineageFixtures["openlineage/marquez_event_simple.json"]);
  e.run.runId = crypto.randomUUID();
  e.inputs = [];
  e.outputs = [{ namespace: "bigquery", name }];
  expect((await postEvent(token, JSON.stringify(e))).status).toBeLessThan(300);
  const res = await api(`/datasets?q=${encodeURIComponent(name)}`, { as: s });
  return (res.json.items as Array<{ id: string; name: string }>).find((d) => d.name === name)!.id;
}

async function bigQueryConnection(s: Session, teamId: string, name: string, project: string) {
  const account = await serviceAccount(project);
  return createConnection(s, teamId, "bigquery", name, bigQueryConfig(project), { service_account_key: account.keyFile });
}

describe("BigQuery cost collector", () => {
  it("prices on-demand jobs by bytes billed, gives Tutti's jobs to their task, records table reads, and corrects a late and a restated job without doubling", async () => {
    const { s, team } = await setupTenant();
    await pushPipeline(s, { name: "bq_load", team: team.slug, tasks: [toolTask("load")] });
    const runId = (await startRun(s, "bq_load")).id;
    expect((await pollToEnd(s, runId)).status).toBe("succeeded");
    const project = uniqueProject();
    const orders = await bigQueryTable(s, team.id, `${project}.sales.orders`);
    const sales = await product(s, { name: "sales", owner_team_id: team.id, datasets: [{ id: orders }] });
    const conn = await bigQueryConnection(s, team.id, "bq", project);

    const ordersRef = { project_id: project, dataset_id: "sales", table_id: "orders" };
    const rows = (restatedBytes: number, lateHidden: number) => [
      job("j-tutti", T - 5 * HOUR, {
        user_email: `tutti@${project}.iam.gserviceaccount.com`,
        total_bytes_billed: String(TIB),
        labels: [
          { key: "tutti_run", value: runId },
          { key: "tutti_task", value: "load" },
        ],
        referenced_tables: [ordersRef],
      }),
      // Restated between the passes (BigQuery fills in a job's figures when it has ended).
      job("j-anna", T - 4 * HOUR, {
        total_bytes_billed: String(restatedBytes),
        referenced_tables: [
          ordersRef,
          { project_id: project, dataset_id: "_c0ffee", table_id: "anon" },
          { project_id: project, dataset_id: "raw", table_id: "unknown" },
        ],
      }),
      job("j-cached", T - 4 * HOUR + 60_000, { cache_hit: true, referenced_tables: [ordersRef] }),
      // A script and its child: the parent's bytes are its children's, so only the child counts.
      job("j-script", T - 4 * HOUR + 120_000, { statement_type: "SCRIPT", total_bytes_billed: String(TIB / 4) }),
      job("j-child", T - 4 * HOUR + 130_000, { statement_type: "INSERT", total_bytes_billed: String(TIB / 4) }),
      job("j-running", T - 3 * HOUR, { state: "RUNNING", total_bytes_billed: null }),
      // Published after the first read: the second pass finds it.
      { ...job("j-late", T - 3 * HOUR, { total_bytes_billed: String(TIB / 16) }), _hidden_reads: lateHidden },
      // Before the lookback of one day: never read.
      job("j-old", T - 30 * HOUR, { total_bytes_billed: String(TIB) }),
    ];
    await registerJobs(project, rows(TIB / 2, 1));
    // The first answer says jobComplete: false; the collector waits on getQueryResults.
    await fakePlan("bigquery", project, { polls: 1 });

    await setEngineTime(s.tenant.id, T - 65_000);
    await enable(s, conn.id, { lookback_days: 1 });
    // Pass 1, at the default 6.25 USD per TiB: 1 TiB → 6.25, 0.5 TiB → 3.125, the script's child 0.25 TiB → 1.5625.
    await alarmAt(s.tenant.id, T);
    const ref = (id: string) => `${project}:US:${id}`;
    let records = await ledger(s.tenant.id, "bigquery");
    expect(records.map((r) => [r.external_ref, r.amount_micros, r.unit])).toEqual([
      [ref("j-anna"), 3_125_000, "bytes"],
      [ref("j-child"), 1_562_500, "bytes"],
      [ref("j-tutti"), 6_250_000, "bytes"],
    ]);
    expect(records.find((r) => r.external_ref === ref("j-tutti"))).toMatchObject({ run_id: runId, task_key: "load", team_id: team.id, quantity: TIB });
    let [state] = await collectors(s);
    // Read: the four finished jobs in the window that are not scripts (the late one is not published yet).
    expect(state.last_run).toMatchObject({ rows_read: 4, inserted: 3, updated: 0, usage_events: 3, error: null });

    // The query: the project's and location's JOBS_BY_PROJECT, the window as named parameters, labelled as the collector's.
    const [query] = (await fakeRequests("bigquery", `/bigquery/v2/projects/${project}/queries`)).filter((r) => r.method === "POST");
    const body = JSON.parse(query.body);
    expect(body.query).toContain(`FROM \`${project}\`.\`region-us\`.INFORMATION_SCHEMA.JOBS_BY_PROJECT`);
    expect(body).toMatchObject({ useLegacySql: false, location: "US", parameterMode: "NAMED", labels: { tutti_collector: "cost" } });
    expect(body.queryParameters.map((p: { name: string; parameterType: { type: string } }) => [p.name, p.parameterType.type])).toEqual([
      ["window_from", "TIMESTAMP"],
      ["window_to", "TIMESTAMP"],
    ]);
    // The first window starts the lookback (a day) before the pass; the engine clock moves on a little while the test runs.
    const [from, to] = body.queryParameters.map((p: { parameterValue: { value: string } }) => Date.parse(p.parameterValue.value));
    expect(from - (T - 24 * HOUR)).toBeGreaterThanOrEqual(0);
    expect(from - (T - 24 * HOUR)).toBeLessThan(60_000);
    expect(to - from).toBe(24 * HOUR);
    // The first answer was jobComplete false: getQueryResults waited for the first page, then the second came by pageToken.
    const reads = (await fakeRequests("bigquery", `/bigquery/v2/projects/${project}/queries/`)).map((r) => new URL(r.path, "http://x").searchParams);
    expect(reads.map((q) => [q.get("location"), q.get("pageToken") !== null])).toEqual([
      ["US", false],
      ["US", true],
    ]);

    // Usage: one read per job and catalogued table, by person and tool (a cached answer is a read too); BigQuery's own
    // and unknown tables count for nothing.
    const usage = await (await tenantD1(s.tenant.id))
      .prepare("SELECT consumer, product_id, dataset_id, kind, count FROM usage_events WHERE tenant_id = ? ORDER BY consumer")
      .bind(s.tenant.id)
      .all();
    expect(usage.results).toEqual([
      { consumer: "anna@acme.example", product_id: sales.id, dataset_id: orders, kind: "query", count: 1 },
      { consumer: "anna@acme.example", product_id: sales.id, dataset_id: orders, kind: "query", count: 1 },
      { consumer: `tutti@${project}.iam.gserviceaccount.com via tutti`, product_id: sales.id, dataset_id: orders, kind: "query", count: 1 },
    ]);

    // Pass 2, an hour later: Anna's job was restated (0.5 → 1 TiB) and the late job appeared (1/16 TiB → 0.390625).
    await registerJobs(project, rows(TIB, 0));
    await alarmAt(s.tenant.id, T + HOUR + 30_000);
    records = await ledger(s.tenant.id, "bigquery");
    expect(records.find((r) => r.external_ref === ref("j-anna"))!.amount_micros).toBe(6_250_000);
    expect(records.find((r) => r.external_ref === ref("j-late"))!.amount_micros).toBe(390_625);
    expect(total(records)).toBe(6_250_000 + 6_250_000 + 1_562_500 + 390_625);
    [state] = await collectors(s);
    expect(state.last_run).toMatchObject({ inserted: 1, updated: 1, usage_events: 0, error: null });

    // Pass 3: nothing new; the re-read trailing window changes nothing.
    await alarmAt(s.tenant.id, T + 2 * HOUR + 60_000);
    expect(total(await ledger(s.tenant.id, "bigquery"))).toBe(14_453_125);
    [state] = await collectors(s);
    expect(state.last_run).toMatchObject({ inserted: 0, updated: 0, error: null });
    expect(state.last_run!.unchanged).toBeGreaterThan(0);
    expect(
      (await (await tenantD1(s.tenant.id)).prepare("SELECT count(*) AS n FROM usage_events WHERE tenant_id = ?").bind(s.tenant.id).first<{ n: number }>())!.n,
    ).toBe(3);
  });

  it("prices editions jobs that ran in a reservation by slot-hours, others by bytes, and the free load pool not at all", async () => {
    const { s, team } = await setupTenant();
    const project = uniqueProject();
    const conn = await bigQueryConnection(s, team.id, "bq", project);
    await registerJobs(project, [
      job("j-reserved", T - 5 * HOUR, { reservation_id: "admin-proj:US.prod", total_slot_ms: String(2 * HOUR), total_bytes_billed: String(TIB) }),
      job("j-on-demand", T - 4 * HOUR, { total_slot_ms: String(HOUR), total_bytes_billed: String(TIB) }),
      job("j-load", T - 3 * HOUR, { job_type: "LOAD", statement_type: null, reservation_id: "default-pipeline", total_slot_ms: String(HOUR) }),
    ]);
    await setEngineTime(s.tenant.id, T - 65_000);
    await enable(s, conn.id, { lookback_days: 1, pricing_model: "editions", slot_hour_price: 0.06 });
    await alarmAt(s.tenant.id, T);
    const records = await ledger(s.tenant.id, "bigquery");
    // 2 slot-hours × 0.06 → 0.12; the job outside any reservation is on-demand: 1 TiB × 6.25.
    expect(records.map((r) => [r.external_ref, r.amount_micros, r.quantity, r.unit])).toEqual([
      [`${project}:US:j-on-demand`, 6_250_000, TIB, "bytes"],
      [`${project}:US:j-reserved`, 120_000, 2, "hours"],
    ]);
    const [state] = await collectors(s);
    expect(state.last_run).toMatchObject({ rows_read: 3, inserted: 2, error: null });
    const shown = await api("/collectors", { as: s });
    expect(shown.json.items[0].settings).toMatchObject({ pricing_model: "editions", slot_hour_price: 0.06 });
  });

  it("a service account without access to the jobs view records Google's error and moves no watermark", async () => {
    const { s, team } = await setupTenant();
    const project = uniqueProject();
    const conn = await bigQueryConnection(s, team.id, "bq", project);
    await fakePlan("bigquery", project, { denied: true });
    await setEngineTime(s.tenant.id, T - 65_000);
    await enable(s, conn.id, { lookback_days: 1 });
    await alarmAt(s.tenant.id, T);
    const [state] = await collectors(s);
    expect(state.last_run!.error).toBe(
      `BigQuery rejected the credentials (HTTP 403): accessDenied: Access Denied: Table ${project}:region-us.INFORMATION_SCHEMA.JOBS_BY_PROJECT: User does not have permission to query table ${project}:region-us.INFORMATION_SCHEMA.JOBS_BY_PROJECT, or perhaps it does not exist.`,
    );
    expect(state.last_run!.error).not.toContain("ya29.");
    expect(state.watermarks).toEqual({});
  });

  it("reads the Cloud Billing export per day, project, service and product label, landing labelled cost on the product, and corrects a late row without doubling", async () => {
    const { s, team } = await setupTenant();
    const project = uniqueProject();
    const checkout = await product(s, { name: "checkout", owner_team_id: team.id });
    const conn = await bigQueryConnection(s, team.id, "bq", project);
    await registerJobs(project, []);
    const table = `bill-${crypto.randomUUID().slice(0, 8)}.billing.gcp_billing_export_v1_0123AB_4567CD_89EF01`;
    const day = "2026-03-03";
    const row = (service: string, cost: number, extra: Record<string, unknown> = {}) => ({
      usage_start_time: `${day}T05:00:00Z`,
      project: { id: project },
      service: { description: service },
      labels: [],
      cost,
      currency: "USD",
      credits: [],
      ...extra,
    });
    const registerBilling = async (lateHidden: number) => {
      const res = await fetch(`${fakeUrl("bigquery")}/__fake/billing/${table}`, {
        method: "PUT",
        body: JSON.stringify([
          row("BigQuery", 10.25, {
            labels: [
              { key: "team", value: "x" },
              { key: "product", value: "checkout" },
            ],
            credits: [{ amount: -0.25 }],
          }),
          row("BigQuery", 2.5, { labels: [{ key: "product", value: "checkout" }] }),
          row("Cloud Storage", 1.1),
          // Exported after the first read (a late row for a day already read).
          { ...row("BigQuery", 0.75, { labels: [{ key: "product", value: "checkout" }] }), _hidden_reads: lateHidden },
        ]),
      });
      expect(res.status).toBe(204);
    };
    await registerBilling(1);
    await setEngineTime(s.tenant.id, T - 65_000);
    await enable(s, conn.id, { lookback_days: 2, billing_export_table: table });
    await alarmAt(s.tenant.id, T);
    const ref = (service: string, productName: string) => `billing:${table}:${day}:${project}:${service}:${productName}`;
    let records = await ledger(s.tenant.id, "gcp");
    // Net of credits: 10.25 − 0.25 + 2.5 = 12.5 for the checkout-labelled BigQuery cost.
    expect(records.map((r) => [r.external_ref, r.amount_micros])).toEqual([
      [ref("BigQuery", "checkout"), 12_500_000],
      [ref("Cloud Storage", ""), 1_100_000],
    ]);
    expect(records.every((r) => r.team_id === team.id)).toBe(true);
    const scorecard = async () => (await api(`/products/${checkout.id}/scorecard?period=2026-03`, { as: s })).json.cost_sources;
    expect(await scorecard()).toEqual([{ source: "gcp", amount: 12.5, collected_at: expect.any(String) }]);
    const query = (await fakeRequests("bigquery", `/bigquery/v2/projects/${project}/queries`))
      .map((r) => JSON.parse(r.body))
      .find((b) => b.query.includes(table));
    expect(query.queryParameters).toEqual([
      { name: "from_day", parameterType: { type: "DATE" }, parameterValue: { value: "2026-03-02" } },
      { name: "to_day", parameterType: { type: "DATE" }, parameterValue: { value: "2026-03-04" } },
      { name: "label_key", parameterType: { type: "STRING" }, parameterValue: { value: "product" } },
    ]);

    // Pass 2: the late row is in; the day's group is summed again and replaced (13.25), not added to.
    await registerBilling(0);
    await alarmAt(s.tenant.id, T + HOUR + 30_000);
    records = await ledger(s.tenant.id, "gcp");
    expect(records.map((r) => r.amount_micros)).toEqual([13_250_000, 1_100_000]);
    expect(await scorecard()).toEqual([{ source: "gcp", amount: 13.25, collected_at: expect.any(String) }]);
    const [state] = await collectors(s);
    expect(state.last_run).toMatchObject({ inserted: 0, updated: 1, error: null });
    expect(Object.keys(state.watermarks).sort()).toEqual(["billing", "jobs"]);
  });

  it("refuses editions pricing without a slot-hour price and BigQuery settings on another kind's collector, naming the field", async () => {
    const { s, team } = await setupTenant();
    const conn = await bigQueryConnection(s, team.id, "bq", uniqueProject());
    const noPrice = await api(`/collectors/${conn.id}`, { as: s, method: "PUT", body: { enabled: true, settings: { pricing_model: "editions" } } });
    expectError(noPrice, 400, "validation_failed");
    expect(noPrice.json.error.details).toEqual([{ path: "settings.slot_hour_price", message: "editions pricing needs the price of a slot-hour" }]);
    const badPrice = await api(`/collectors/${conn.id}`, { as: s, method: "PUT", body: { enabled: true, settings: { slot_hour_price: -1 } } });
    expectError(badPrice, 400, "validation_failed");
    expect(badPrice.json.error.details.map((d: { path: string }) => d.path)).toEqual(["settings.slot_hour_price"]);
    const wrongKind = await api(`/collectors/${conn.id}`, { as: s, method: "PUT", body: { enabled: true, settings: { warehouse: "X" } } });
    expectError(wrongKind, 400, "validation_failed");
    expect(wrongKind.json.error.details).toEqual([{ path: "settings.warehouse", message: "applies to snowflake collectors only" }]);
  });
});
