import { describe, expect, it } from "vitest";
import { firstPartition, partitionData, rowsByName } from "../../../worker/connectors/snowflake/result-set";
import { manifestColumns, statementOutcome } from "../../../worker/connectors/databricks/statements";
import { bigQueryJobRef } from "../../../worker/costs/bigquery";
import { jobDrafts, jobsSql, jobTableReads } from "../../../worker/costs/collectors/bigquery-map";
import { lineageReads, usageDrafts } from "../../../worker/costs/collectors/databricks-map";
import { idleDrafts, invocationOf, queryCostDrafts, tableReads, toolOfTag } from "../../../worker/costs/collectors/snowflake-map";
import { DAY_MS, HOUR_MS, nextWindow } from "../../../worker/costs/collectors/window";
import { fixedToMicros, parseDecimal, priceMicros } from "../../../worker/costs/decimal";

const price = { pricePerCredit: 3, currency: "USD" };
const T = Date.parse("2026-03-04T12:00:00.000Z");

describe("decimal pricing", () => {
  it("prices decimal strings exactly, rounding once to micros", () => {
    expect(parseDecimal("0.000412")).toBe(412_000_000_000_000n);
    expect(parseDecimal("1e-3")).toBe(1_000_000_000_000_000n);
    expect(parseDecimal("-10.000000000000000000")).toBe(-10n * 10n ** 18n);
    expect(parseDecimal("abc")).toBeNull();
    expect(parseDecimal("")).toBeNull();
    // 0.1 + 0.2 credits at 3: a float sum would give 0.9000000000000001.
    expect(priceMicros(parseDecimal("0.1")! + parseDecimal("0.2")!, 3)).toBe(900_000);
    expect(priceMicros(parseDecimal("0.0000001")!, 3)).toBe(0);
    expect(priceMicros(parseDecimal("0.0000005")!, 1)).toBe(1);
    expect(fixedToMicros(parseDecimal("1.500000000000000000")!)).toBe(1_500_000);
    expect(fixedToMicros(parseDecimal("-1.5")!)).toBe(-1_500_000);
  });
});

describe("collector windows", () => {
  const timing = { trailingMs: 24 * HOUR_MS, maxWindowMs: DAY_MS };
  it("starts a first pass at the lookback, then re-reads the trailing margin behind the watermark", () => {
    expect(nextWindow(timing, null, T, 3 * DAY_MS)).toEqual({ from: T - 3 * DAY_MS, to: T - 2 * DAY_MS, caughtUp: false });
    expect(nextWindow(timing, T - HOUR_MS, T, 3 * DAY_MS)).toEqual({ from: T - 25 * HOUR_MS, to: T, caughtUp: true });
  });
  it("restarts at the lookback when the watermark is older, and never reads past now", () => {
    expect(nextWindow(timing, T - 90 * DAY_MS, T, 7 * DAY_MS)).toEqual({ from: T - 7 * DAY_MS, to: T - 6 * DAY_MS, caughtUp: false });
    expect(nextWindow(timing, T + HOUR_MS, T, 7 * DAY_MS)).toEqual({ from: T - DAY_MS, to: T, caughtUp: true });
  });
});

describe("Snowflake SQL API result sets", () => {
  it("reads columns by name from rowType and keeps them for later partitions that carry only data", () => {
    const first = firstPartition({
      statementHandle: "h",
      resultSetMetaData: { rowType: [{ name: "QUERY_ID" }, { name: "credits_attributed_compute" }], partitionInfo: [{ rowCount: 1 }, { rowCount: 1 }] },
      data: [["q1", "0.5"]],
    });
    expect(first).toMatchObject({ handle: "h", partitions: 2, columns: ["QUERY_ID", "CREDITS_ATTRIBUTED_COMPUTE"] });
    expect(rowsByName(first.columns, [...first.data, ...partitionData({ data: [["q2", null]] })])).toEqual([
      { QUERY_ID: "q1", CREDITS_ATTRIBUTED_COMPUTE: "0.5" },
      { QUERY_ID: "q2", CREDITS_ATTRIBUTED_COMPUTE: null },
    ]);
    expect(() => firstPartition({ data: [] })).toThrow(/rowType/);
  });
});

describe("Snowflake rows → ledger drafts", () => {
  const row = (fields: Record<string, string | null>) => ({
    QUERY_ID: "q1",
    QUERY_TAG: null,
    USER_NAME: "U",
    WAREHOUSE_NAME: "WH",
    START_TIME: "2026-03-04T10:00:00.000+00:00",
    END_TIME: "2026-03-04T10:01:00.000+00:00",
    CREDITS_ATTRIBUTED_COMPUTE: "0.5",
    CREDITS_USED_QUERY_ACCELERATION: null,
    DBT_INVOCATION_ID: null,
    ...fields,
  });
  const none = () => null;

  it("prices compute plus acceleration per query, keyed by query id, and skips rows not attributed yet", () => {
    const drafts = queryCostDrafts([row({ CREDITS_USED_QUERY_ACCELERATION: "0.05" }), row({ QUERY_ID: "q2", CREDITS_ATTRIBUTED_COMPUTE: null })], {
      ...price,
      taskOfInvocation: none,
    });
    expect(drafts).toHaveLength(1);
    expect(drafts[0]).toMatchObject({
      source: "snowflake",
      externalRef: "q1",
      amountMicros: 1_650_000,
      quantity: 0.55,
      unit: "credits",
      startedAt: T - 2 * HOUR_MS,
    });
    expect(drafts[0].attribution).toMatchObject({ queryId: "q1", warehouse: "WH", runId: null });
  });

  it("attributes by Tutti's query tag first, then by the dbt invocation in the query comment or a JSON tag", () => {
    const task = { runId: "run_aaaaaaaaaaaaaaaaaaaa", taskKey: "build" };
    const byInvocation = (id: string) => (id === "0b9f1c2e-1111-2222-3333-444455556666" ? task : null);
    const [tagged, commented, jsonTagged] = queryCostDrafts(
      [
        row({ QUERY_TAG: "tutti:run_bbbbbbbbbbbbbbbbbbbb:load:1", DBT_INVOCATION_ID: "0b9f1c2e-1111-2222-3333-444455556666" }),
        row({ QUERY_ID: "q2", DBT_INVOCATION_ID: "0b9f1c2e-1111-2222-3333-444455556666" }),
        row({ QUERY_ID: "q3", QUERY_TAG: '{"app":"dbt","invocation_id":"0b9f1c2e-1111-2222-3333-444455556666"}' }),
      ],
      { ...price, taskOfInvocation: byInvocation },
    );
    expect(tagged.attribution).toMatchObject({ runId: "run_bbbbbbbbbbbbbbbbbbbb", taskKey: "load" });
    expect(commented.attribution).toMatchObject(task);
    expect(jsonTagged.attribution).toMatchObject(task);
    expect(invocationOf(row({}))).toBeNull();
  });

  it("gives idle credits per warehouse-hour, and a zero draft when queries used the whole hour", () => {
    const hour = { WAREHOUSE_NAME: "WH", START_TIME: "2026-03-04T10:00:00.000+00:00", END_TIME: "2026-03-04T11:00:00.000+00:00" };
    const [idle, full] = idleDrafts(
      [
        { ...hour, CREDITS_USED_COMPUTE: "2", CREDITS_ATTRIBUTED_COMPUTE_QUERIES: "0.75" },
        { ...hour, WAREHOUSE_NAME: "BUSY", CREDITS_USED_COMPUTE: "1", CREDITS_ATTRIBUTED_COMPUTE_QUERIES: "1.01" },
      ],
      price,
    );
    expect(idle).toMatchObject({ externalRef: "idle:WH:2026-03-04T10:00:00.000Z", amountMicros: 3_750_000, attribution: { splitByWarehouse: "WH" } });
    expect(full).toMatchObject({ externalRef: "idle:BUSY:2026-03-04T10:00:00.000Z", amountMicros: 0, quantity: 0 });
  });

  it("turns ACCESS_HISTORY into one read per query and base table, by person and tool, leaving out the collector's own queries", () => {
    const objects = JSON.stringify([
      { objectDomain: "Table", objectId: 1, objectName: "DB.S.T" },
      { objectDomain: "TABLE", objectId: "1", objectName: "DB.S.T" },
      { objectDomain: "FUNCTION", objectId: "2", objectName: "DB.F.SUM" },
    ]);
    const base = { QUERY_ID: "a1", QUERY_START_TIME: "2026-03-04T10:00:00.000+00:00", USER_NAME: "ANNA", BASE_OBJECTS_ACCESSED: objects };
    expect(
      tableReads([
        { ...base, QUERY_TAG: "looker:dash/1" },
        { ...base, QUERY_ID: "a2", QUERY_TAG: "tutti:collector" },
      ]),
    ).toEqual([{ eventId: "snowflake:a1:DB.S.T", table: "DB.S.T", consumer: "ANNA via looker", at: T - 2 * HOUR_MS }]);
    expect(toolOfTag('{"app": "dbt"}')).toBe("dbt");
    expect(toolOfTag("tutti:run_aaaaaaaaaaaaaaaaaaaa:x:1")).toBe("tutti");
    expect(toolOfTag("nightly batch")).toBeNull();
  });
});

describe("Databricks rows → ledger drafts", () => {
  const row = (fields: Record<string, string | null>) => ({
    record_id: "r1",
    sku_name: "PREMIUM_JOBS_COMPUTE",
    usage_unit: "DBU",
    usage_quantity: "10.000000000000000000",
    record_type: "ORIGINAL",
    usage_start_time: "2026-03-04T06:00:00.000Z",
    usage_end_time: "2026-03-04T07:00:00.000Z",
    job_run_id: "880001",
    currency_code: "USD",
    list_cost: "1.500000000000000000",
    ...fields,
  });
  const opts = { currency: "USD", pricePerDbu: 0.2, taskOfJobRun: (id: string) => (id === "880001" ? { runId: "run_x", taskKey: "train" } : null) };

  it("uses the list cost in the tenant's currency, else the tenant's DBU price, one record per record_id", () => {
    const [listed, otherCurrency, retraction] = usageDrafts(
      [
        row({}),
        row({ record_id: "r2", currency_code: "EUR", job_run_id: null }),
        row({ record_id: "r3", usage_quantity: "-10", list_cost: "-1.5", record_type: "RETRACTION" }),
      ],
      opts,
    );
    expect(listed).toMatchObject({ externalRef: "r1", amountMicros: 1_500_000, quantity: 10, unit: "dbu", attribution: { runId: "run_x", taskKey: "train" } });
    expect(otherCurrency).toMatchObject({ externalRef: "r2", amountMicros: 2_000_000, attribution: { runId: null } });
    expect(retraction).toMatchObject({ amountMicros: -1_500_000, quantity: -10, description: expect.stringContaining("(retraction)") });
  });

  it("reads statement results by manifest column position and fails on a FAILED statement with its error", () => {
    expect(
      manifestColumns({
        manifest: {
          schema: {
            columns: [
              { name: "B", position: 1 },
              { name: "a", position: 0 },
            ],
          },
        },
      }),
    ).toEqual(["a", "b"]);
    expect(statementOutcome({ status: { state: "RUNNING" } })).toBe("running");
    expect(() => statementOutcome({ status: { state: "FAILED", error: { error_code: "BAD_REQUEST", message: "[TABLE_OR_VIEW_NOT_FOUND] x" } } })).toThrow(
      "BAD_REQUEST: [TABLE_OR_VIEW_NOT_FOUND] x",
    );
  });
});

describe("BigQuery job rows", () => {
  const row = (id: string, extra: Record<string, unknown> = {}) => ({
    job_id: id,
    project_id: "acme-prod",
    user_email: "anna@acme.example",
    job_type: "QUERY",
    statement_type: "SELECT",
    state: "DONE",
    creation_time: "2026-03-04T10:00:00.000Z",
    start_time: "2026-03-04T10:00:01.000Z",
    end_time: "2026-03-04T10:01:01.000Z",
    total_bytes_billed: "0",
    total_slot_ms: "0",
    reservation_id: null,
    cache_hit: "false",
    error_reason: null,
    labels: [],
    referenced_tables: [],
    ...extra,
  });
  const ctx = { project: "acme-prod", location: "US", taskOfInvocation: (id: string) => (id === "inv-1" ? { runId: "run_dbt000001", taskKey: "dbt" } : null) };
  const onDemand = { currency: "USD", pricePerTib: 6.25, slotHourPrice: null };

  it("prices bytes billed exactly per TiB (no float on the way), and keys each job as dbt run_results do", () => {
    const [small, huge] = jobDrafts([row("j1", { total_bytes_billed: "10485760" }), row("j2", { total_bytes_billed: "6215071524464215" })], onDemand, ctx);
    // 10 MiB = 10 × 2^-20 TiB × 6.25 = 0.0000596… → 60 micros.
    expect(small).toMatchObject({ source: "bigquery", externalRef: "acme-prod:US:j1", amountMicros: 60, unit: "bytes", quantity: 10_485_760 });
    // 6215071524464215 / 2^40 × 6.25 = 35 328.591391 49… → 35 328 591 391 micros; through a float it would be …392.
    expect(huge.amountMicros).toBe(35_328_591_391);
    expect(bigQueryJobRef({ queryId: "j1", adapterResponse: { project_id: "acme-prod", location: "us" } })).toBe(small.externalRef);
  });

  it("gives a job to the Tutti task its labels name, or to the task of the dbt invocation they name", () => {
    const drafts = jobDrafts(
      [
        row("j1", {
          labels: [
            { key: "tutti_run", value: "run_abc12345" },
            { key: "tutti_task", value: "load" },
          ],
        }),
        row("j2", { labels: [{ key: "dbt_invocation_id", value: "inv-1" }] }),
        row("j3"),
      ],
      onDemand,
      ctx,
    );
    expect(drafts.map((d) => [d.attribution.runId, d.attribution.taskKey, d.attribution.queryId])).toEqual([
      ["run_abc12345", "load", "j1"],
      ["run_dbt000001", "dbt", "j2"],
      [null, null, "j3"],
    ]);
  });

  it("under editions prices reservation jobs by slot-hours, on-demand jobs by bytes, and skips unfinished jobs and script parents", () => {
    const drafts = jobDrafts(
      [
        row("j1", { reservation_id: "admin:US.prod", total_slot_ms: "5400000", total_bytes_billed: "1099511627776" }),
        row("j2", { total_bytes_billed: "1099511627776" }),
        row("j3", { reservation_id: "default-pipeline", job_type: "LOAD", total_slot_ms: "3600000" }),
        row("j4", { state: "RUNNING" }),
        row("j5", { statement_type: "SCRIPT", total_bytes_billed: "1099511627776" }),
      ],
      { ...onDemand, slotHourPrice: 0.04 },
      ctx,
    );
    expect(drafts.map((d) => [d.externalRef, d.amountMicros, d.quantity, d.unit])).toEqual([
      ["acme-prod:US:j1", 60_000, 1.5, "hours"],
      ["acme-prod:US:j2", 6_250_000, 1_099_511_627_776, "bytes"],
      ["acme-prod:US:j3", 0, 0, "bytes"],
    ]);
    expect(drafts[0].description).toBe("SELECT by anna@acme.example in reservation admin:US.prod");
  });

  it("reads each referenced table once per job, by person and tool, leaving out failed jobs, the collector's own and BigQuery's datasets", () => {
    const tables = [
      { project_id: "acme-prod", dataset_id: "sales", table_id: "orders" },
      { project_id: "acme-prod", dataset_id: "sales", table_id: "orders" },
      { project_id: "acme-prod", dataset_id: "_script123", table_id: "tmp" },
    ];
    const reads = jobTableReads(
      [
        row("j1", { referenced_tables: tables, labels: [{ key: "app", value: "looker" }] }),
        row("j2", { referenced_tables: tables, error_reason: "invalidQuery" }),
        row("j3", { referenced_tables: tables, labels: [{ key: "tutti_collector", value: "cost" }] }),
      ],
      ctx,
    );
    expect(reads).toEqual([
      {
        eventId: "bigquery:acme-prod:US:j1:acme-prod.sales.orders",
        table: "acme-prod.sales.orders",
        consumer: "anna@acme.example via looker",
        at: Date.parse("2026-03-04T10:00:00.000Z"),
      },
    ]);
  });

  it("reads the jobs view of the connection's project and region, script parents and unfinished jobs left out", () => {
    const sql = jobsSql("acme-prod", "EU");
    expect(sql).toContain("FROM `acme-prod`.`region-eu`.INFORMATION_SCHEMA.JOBS_BY_PROJECT");
    expect(sql).toContain(
      "creation_time >= @window_from AND creation_time < @window_to AND state = 'DONE' AND (statement_type IS NULL OR statement_type != 'SCRIPT')",
    );
  });
});

describe("Databricks table_lineage rows → table reads", () => {
  const row = (fields: Record<string, string | null> = {}) => ({
    entity_type: "DBSQL_QUERY",
    entity_id: "q1",
    entity_run_id: "r1",
    source_table_full_name: "main.sales.orders",
    created_by: "anna@example.com",
    event_time: "2026-03-04T10:00:00.000+00:00",
    ...fields,
  });

  it("gives one read per row and source table, by person and tool, with an id that is the same whenever the row is read", async () => {
    const [a] = await lineageReads([row()]);
    expect(a).toMatchObject({ table: "main.sales.orders", consumer: "anna@example.com via dbsql_query", at: T - 2 * HOUR_MS });
    expect(a.eventId).toMatch(/^databricks:[0-9a-f]{64}$/);
    // The same read rendered with another offset, and a second lineage row of the same read: the same id, counted once.
    expect((await lineageReads([row({ event_time: "2026-03-04T11:00:00.000+01:00" }), row()])).map((r) => r.eventId)).toEqual([a.eventId]);
    // Another run, reader or table is another read; a row without a table or time is none.
    const others = await lineageReads([
      row({ entity_run_id: "r2" }),
      row({ created_by: "bob@example.com", entity_type: null }),
      row({ source_table_full_name: "main.sales.returns" }),
      row({ source_table_full_name: null }),
      row({ event_time: null }),
    ]);
    expect(others.map((r) => r.consumer)).toEqual(["anna@example.com via dbsql_query", "bob@example.com", "anna@example.com via dbsql_query"]);
    expect(new Set([a.eventId, ...others.map((r) => r.eventId)]).size).toBe(4);
  });
});
