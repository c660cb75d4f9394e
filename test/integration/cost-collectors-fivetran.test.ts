import { tenantD1 } from "../helpers/tenant-db";
import { describe, expect, it } from "vitest";
import { fakeCredentials } from "../fakes/credentials";
import { api, expectError, type Session } from "../helpers/api";
import { alarmAt, collectors, enable, ledger, total } from "../helpers/collectors";
import { setEngineTime } from "../helpers/engine";
import { product } from "../helpers/costs";
import { createTeam } from "../helpers/fixtures";
import { pushPipeline, setupTenant } from "../helpers/pipelines";
import { createConnection, fakePlan, fakeRequests, fakeUrl, pollToEnd, startRun, uniqueNumber } from "../helpers/tool-fakes";

const HOUR = 3_600_000;
/** Business time of the first pass; every MAR row is placed relative to its month (no dependence on today's date). */
const T = Date.parse("2026-03-04T12:00:00.000Z");
const sf = fakeCredentials.snowflake;
const ft = fakeCredentials.fivetran;
const uniqueFivetranId = () => `conn_${crypto.randomUUID().replaceAll("-", "").slice(0, 16)}`;

/** One day's MAR increment as the Platform Connector writes it, in the newer (`connection_id`) or older (`connector_id`) shape. */
function marRow(shape: "connection" | "connector", id: string, day: string, rows: number, freeType = "PAID") {
  return {
    [`${shape}_id`]: id,
    [`${shape}_name`]: `name of ${id}`,
    destination_id: "warn_enormously",
    schema_name: "salesforce",
    table_name: "account",
    sync_type: "INCREMENTAL",
    free_type: freeType,
    measured_date: day,
    incremental_rows: rows,
    updated_at: `${day}T23:10:00.000Z`,
    _fivetran_synced: `${day}T23:15:00.000Z`,
  };
}

async function registerMar(role: string, rows: unknown[], schema?: string) {
  const res = await fetch(`${fakeUrl("snowflake")}/__fake/fivetran-metadata/${role}`, {
    method: "PUT",
    body: JSON.stringify({ ...(schema ? { schema } : {}), incremental_mar: rows }),
  });
  expect(res.status).toBe(204);
}

/** Each Fivetran record's pipeline, how it was split and the product it went to. */
async function attribution(tenantId: string) {
  const rows = await (await tenantD1(tenantId))
    .prepare(
      `SELECT c.external_ref, p.name AS pipeline, c.attributed_by, a.product_id FROM cost_records c
     LEFT JOIN pipelines p ON p.tenant_id = c.tenant_id AND p.id = c.pipeline_id
     LEFT JOIN cost_allocations a ON a.tenant_id = c.tenant_id AND a.cost_id = c.id
     WHERE c.tenant_id = ? AND c.source = 'fivetran'`,
    )
    .bind(tenantId)
    .all<{ external_ref: string; pipeline: string | null; attributed_by: string; product_id: string | null }>();
  return Object.fromEntries(rows.results.map(({ external_ref, ...rest }) => [external_ref, rest]));
}

/** A Fivetran connection and a Snowflake one (its own role, so its table is this test's) in the team. */
async function connections(s: Session, teamId: string) {
  const role = `MAR_${uniqueNumber()}`;
  const fivetran = await createConnection(
    s,
    teamId,
    "fivetran",
    "fivetran",
    { base_url: fakeUrl("fivetran") },
    { api_key: ft.api_key, api_secret: ft.api_secret },
  );
  const warehouse = await createConnection(
    s,
    teamId,
    "snowflake",
    "sf",
    { base_url: fakeUrl("snowflake"), account: sf.account.toLowerCase(), role },
    { token: sf.token },
  );
  return { role, fivetran, warehouse };
}

describe("Fivetran cost collector", () => {
  it("records each connection's PAID MAR per month through the team's Snowflake connection, priced per million, for the pipeline that syncs it; a late day corrects the month instead of adding to it", async () => {
    const { s, team } = await setupTenant();
    const { role, fivetran, warehouse } = await connections(s, team.id);
    const synced = uniqueFivetranId();
    const unsynced = uniqueFivetranId();

    // A Tutti pipeline syncs the first connection (its task's external id is the Fivetran connection id).
    await fakePlan("fivetran", synced, { polls: 1, outcome: "success" });
    await pushPipeline(s, {
      name: "ft_salesforce",
      team: team.slug,
      tasks: [{ id: "sync", connector: "fivetran", connection: "fivetran", with: { connection_id: synced }, poll_interval: "1s" }],
    });
    expect((await pollToEnd(s, (await startRun(s, "ft_salesforce")).id)).status).toBe("succeeded");
    const crm = await product(s, { name: `crm-${uniqueNumber()}`, owner_team_id: team.id, pipelines: [{ name: "ft_salesforce" }] });

    const rows = [
      marRow("connection", synced, "2026-02-27", 1_000_000),
      marRow("connection", synced, "2026-03-01", 400_000),
      marRow("connection", synced, "2026-03-02", 600_000),
      // Free rows (the first sync of a table, …) are not billed.
      marRow("connection", synced, "2026-03-02", 5_000_000, "FREE_INITIAL_SYNC"),
      marRow("connection", unsynced, "2026-03-03", 2_000_000),
      // Before the previous month: never read.
      marRow("connection", synced, "2026-01-15", 9_000_000),
    ];
    await registerMar(role, rows);
    await setEngineTime(s.tenant.id, T - 65_000);
    await enable(s, fivetran.id, { lookback_days: 1, warehouse_connection: warehouse.id });
    await alarmAt(s.tenant.id, T);

    // At the default 500 USD per million MAR: 1 M → 500, 2 M → 1,000.
    let records = await ledger(s.tenant.id, "fivetran");
    expect(Object.fromEntries(records.map((r) => [r.external_ref, [r.quantity, r.amount_micros, r.unit]]))).toEqual({
      [`mar:2026-02:${synced}`]: [1_000_000, 500_000_000, "mar"],
      [`mar:2026-03:${synced}`]: [1_000_000, 500_000_000, "mar"],
      [`mar:2026-03:${unsynced}`]: [2_000_000, 1_000_000_000, "mar"],
    });
    expect(records.every((r) => r.team_id === team.id)).toBe(true);
    // The month goes to the pipeline that syncs the connection, and through it to the pipeline's product.
    expect(await attribution(s.tenant.id)).toEqual({
      [`mar:2026-02:${synced}`]: { pipeline: "ft_salesforce", attributed_by: "pipeline", product_id: crm.id },
      [`mar:2026-03:${synced}`]: { pipeline: "ft_salesforce", attributed_by: "pipeline", product_id: crm.id },
      [`mar:2026-03:${unsynced}`]: { pipeline: null, attributed_by: "none", product_id: "" },
    });
    let [state] = await collectors(s);
    expect(state.last_run).toMatchObject({ rows_read: 3, inserted: 3, updated: 0, error: null });

    // The statement went through the Snowflake connection, tagged as the collector's, over whole months.
    const [statement] = (await fakeRequests("snowflake", "/api/v2/statements?"))
      .map((r) => JSON.parse(r.body) as { statement: string; role?: string; bindings: Record<string, { value: string }>; parameters: { query_tag: string } })
      .filter((b) => b.role === role);
    expect(statement.statement).toMatch(/from fivetran_metadata\.incremental_mar/);
    expect(statement.parameters.query_tag).toBe("tutti:collector");
    expect([statement.bindings["1"].value, statement.bindings["2"].value]).toEqual(["2026-02-01", "2026-04-01"]);

    // The connector syncs a late day of March (and one of February): the months' records are corrected in place.
    await registerMar(role, [...rows, marRow("connection", synced, "2026-03-03", 500_000), marRow("connection", synced, "2026-02-28", 200_000)]);
    await alarmAt(s.tenant.id, T + 2 * HOUR);
    records = await ledger(s.tenant.id, "fivetran");
    expect(records.length).toBe(3);
    expect(records.find((r) => r.external_ref === `mar:2026-03:${synced}`)).toMatchObject({ quantity: 1_500_000, amount_micros: 750_000_000 });
    expect(records.find((r) => r.external_ref === `mar:2026-02:${synced}`)).toMatchObject({ quantity: 1_200_000, amount_micros: 600_000_000 });
    expect(total(records)).toBe(2_350_000_000);
    [state] = await collectors(s);
    expect(state.last_run).toMatchObject({ inserted: 0, updated: 2, unchanged: 1, error: null });

    // Nothing new: nothing changes.
    await alarmAt(s.tenant.id, T + 4 * HOUR);
    [state] = await collectors(s);
    expect(state.last_run).toMatchObject({ inserted: 0, updated: 0, unchanged: 3, error: null });
    expect(total(await ledger(s.tenant.id, "fivetran"))).toBe(2_350_000_000);
  });

  it("reads the older table shape (connector_id) and a schema in another database", async () => {
    const { s, team } = await setupTenant();
    const { role, fivetran, warehouse } = await connections(s, team.id);
    const id = uniqueFivetranId();
    await registerMar(
      role,
      [
        marRow("connector", id, "2026-03-01", 250_000),
        marRow("connector", id, "2026-03-02", 50_000),
        marRow("connector", id, "2026-03-02", 70_000, "FREE_RESYNC"),
      ],
      "FIVETRAN_DB.FIVETRAN_LOG",
    );
    await setEngineTime(s.tenant.id, T - 65_000);
    await enable(s, fivetran.id, { lookback_days: 1, warehouse_connection: warehouse.id, schema: "FIVETRAN_DB.FIVETRAN_LOG" });
    await alarmAt(s.tenant.id, T);
    const [record] = await ledger(s.tenant.id, "fivetran");
    expect(record).toMatchObject({ external_ref: `mar:2026-03:${id}`, quantity: 300_000, amount_micros: 150_000_000, unit: "mar" });
    const [state] = await collectors(s);
    expect(state.last_run).toMatchObject({ inserted: 1, error: null });
  });

  it("a rate of 0 records the month's MAR with no amount; a deleted warehouse connection stops the passes with an error", async () => {
    const { s, team } = await setupTenant();
    const { role, fivetran, warehouse } = await connections(s, team.id);
    const id = uniqueFivetranId();
    expect((await api("/cost-settings", { as: s, method: "PATCH", body: { fivetran_per_million_mar: 0 } })).status).toBe(200);
    await registerMar(role, [marRow("connection", id, "2026-03-02", 3_000_000)]);
    await setEngineTime(s.tenant.id, T - 65_000);
    await enable(s, fivetran.id, { lookback_days: 1, warehouse_connection: warehouse.id });
    await alarmAt(s.tenant.id, T);
    expect(await ledger(s.tenant.id, "fivetran")).toMatchObject([{ external_ref: `mar:2026-03:${id}`, quantity: 3_000_000, amount_micros: 0 }]);

    // The warehouse connection is deleted: the next pass stops with an error saying so, and the ledger stays as it was.
    expect((await api(`/connections/${warehouse.id}`, { as: s, method: "DELETE" })).status).toBe(204);
    await alarmAt(s.tenant.id, T + 2 * HOUR);
    const [state] = await collectors(s);
    expect(state.last_run?.error).toContain(`the connection ${warehouse.id} the collector reads through no longer exists`);
    expect(await ledger(s.tenant.id, "fivetran")).toHaveLength(1);
  });

  it("reads only through a Snowflake connection of the Fivetran connection's own team, named in settings.warehouse_connection", async () => {
    const { s, team } = await setupTenant();
    const { fivetran, warehouse } = await connections(s, team.id);
    const other = await createTeam(s, `other-${uniqueNumber()}`);
    const theirs = await createConnection(
      s,
      other.id,
      "snowflake",
      "their_sf",
      { base_url: fakeUrl("snowflake"), account: sf.account.toLowerCase(), role: "THEIRS" },
      { token: sf.token },
    );
    const put = (settings: Record<string, unknown>, id = fivetran.id) => api(`/collectors/${id}`, { as: s, method: "PUT", body: { enabled: true, settings } });
    const fieldOf = (res: Awaited<ReturnType<typeof put>>) => (res.json.error.details as Array<{ path: string }>).map((d) => d.path);

    for (const settings of [{}, { warehouse_connection: theirs.id }, { warehouse_connection: fivetran.id }, { warehouse_connection: "conn_missing" }]) {
      const res = await put(settings);
      expectError(res, 400, "validation_failed");
      expect(fieldOf(res)).toEqual(["settings.warehouse_connection"]);
    }
    // Fivetran's settings belong to Fivetran collectors.
    const onSnowflake = await put({ warehouse_connection: warehouse.id }, warehouse.id);
    expectError(onSnowflake, 400, "validation_failed");
    expect(fieldOf(onSnowflake)).toEqual(["settings.warehouse_connection"]);
    // A schema is an identifier, never SQL.
    const badSchema = await put({ warehouse_connection: warehouse.id, schema: "x; drop table y" });
    expectError(badSchema, 400, "validation_failed");
    expect(fieldOf(badSchema)).toEqual(["settings.schema"]);
    // Nothing was saved by the refused requests.
    const [state] = (await collectors(s)).filter((c) => c.connection_id === fivetran.id);
    expect(state.enabled).toBe(false);

    expect((await put({ warehouse_connection: warehouse.id })).status).toBe(200);
  });
});
