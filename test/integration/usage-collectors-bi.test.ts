import { describe, expect, it } from "vitest";
import { biKey, registerLooker, registerPowerBi, runs, usageByProductDay, usageEvents, type LookerRun } from "../helpers/bi";
import { alarmAt, collectors, enable } from "../helpers/collectors";
import { product } from "../helpers/costs";
import { setEngineTime } from "../helpers/engine";
import { setupTenant } from "../helpers/pipelines";
import { createConnection, fakeRequests, fakeUrl } from "../helpers/tool-fakes";

const HOUR = 3_600_000;
/** Business time of the first pass; every use is placed relative to it (no dependence on today's date). */
const T = Date.parse("2026-03-04T12:00:00.000Z");

describe("Looker usage collector", () => {
  it("counts dashboard, Look and explore runs per user and day on the products their model or mapping names, replaces a day that grew, and adds nothing when read again", async () => {
    const { s, team } = await setupTenant();
    const orders = await product(s, { name: "orders", owner_team_id: team.id });
    const growth = await product(s, { name: "growth", owner_team_id: team.id });
    const key = biKey("looker");
    const ana = { user_id: "11", email: "ana@acme.com" };
    const bob = { user_id: "12", email: "bob@acme.com" };
    const dash42: Omit<LookerRun, "at" | "user_id" | "email"> = { source: "Dashboard", dashboard_id: "42", model: "orders", view: "orders" };
    const history = (late: boolean): LookerRun[] => [
      // Before the lookback: never asked for.
      ...runs(9, { ...dash42, ...ana, at: "2026-02-27T10:00:00Z" }),
      // Ana's runs of dashboard 42 on the 1st: three opened, one scheduled delivery — one daily count of 4.
      ...runs(3, { ...dash42, ...ana, at: "2026-03-01T09:15:00Z" }),
      ...runs(1, { ...dash42, ...ana, source: "Scheduled Task", at: "2026-03-01T06:00:00Z" }),
      ...runs(1, { ...dash42, ...bob, at: "2026-03-01T17:00:00Z" }),
      ...runs(2, { source: "Saved Look", look_id: "7", model: "growth", view: "signups", ...ana, at: "2026-03-02T08:00:00Z" }),
      ...runs(5, { source: "Explore", model: "orders", view: "order_items", user_id: "13", email: "carl@acme.com", at: "2026-03-02T14:00:00Z" }),
      // Dashboard 99's model names no product; the collector's product_map sends it to growth.
      ...runs(late ? 2 : 1, { source: "Dashboard", dashboard_id: "99", model: "marketing", view: "campaigns", ...bob, at: "2026-03-03T16:00:00Z" }),
      // Nothing names this one: stored, counted for no product.
      ...runs(1, { source: "Dashboard", dashboard_id: "55", model: "ghost", view: "x", ...bob, at: "2026-03-03T18:00:00Z" }),
      // Today, as far as it went: 2 runs by the first pass, 5 by the second.
      ...runs(late ? 5 : 2, { ...dash42, ...ana, at: "2026-03-04T09:00:00Z" }),
    ];
    await registerLooker(key, history(false));
    const conn = await createConnection(s, team.id, "looker", "looker", { base_url: fakeUrl("looker") }, key);

    await setEngineTime(s.tenant.id, T - 65_000);
    await enable(s, conn.id, { lookback_days: 3, interval_minutes: 360, product_map: { "dashboard:99": "growth" } });
    await alarmAt(s.tenant.id, T);

    const id = (day: string, item: string, user: string) => `looker:${conn.id}:${day}:${item}:${user}`;
    expect((await usageEvents(s.tenant.id)).map((e) => [e.id, e.product_id, e.consumer, e.kind, e.count])).toEqual([
      [id("2026-03-01", "dashboard:42", "11"), orders.id, "ana@acme.com via looker", "dashboard_view", 4],
      [id("2026-03-01", "dashboard:42", "12"), orders.id, "bob@acme.com via looker", "dashboard_view", 1],
      [id("2026-03-02", "explore:orders/order_items", "13"), orders.id, "carl@acme.com via looker", "query", 5],
      [id("2026-03-02", "look:7", "11"), growth.id, "ana@acme.com via looker", "dashboard_view", 2],
      [id("2026-03-03", "dashboard:55", "12"), "", "bob@acme.com via looker", "dashboard_view", 1],
      [id("2026-03-03", "dashboard:99", "12"), growth.id, "bob@acme.com via looker", "dashboard_view", 1],
      [id("2026-03-04", "dashboard:42", "11"), orders.id, "ana@acme.com via looker", "dashboard_view", 2],
    ]);
    let [state] = await collectors(s);
    expect(state.last_run).toMatchObject({ rows_read: 8, inserted: 0, usage_events: 7, error: null });

    // The request: a form-encoded login, then the history explore for whole UTC days, the day after the last excluded.
    const calls = (await fakeRequests("looker")).filter((r) => r.body.includes(key.client_id) || r.path === "/api/4.0/queries/run/json");
    const login = calls.find((r) => r.path === "/api/4.0/login")!;
    expect(login.headers["content-type"]).toBe("application/x-www-form-urlencoded");
    expect(Object.fromEntries(new URLSearchParams(login.body))).toEqual(key);
    const queries = (await fakeRequests("looker")).filter((r) => r.path === "/api/4.0/queries/run/json" && r.body.includes("2026/03/01 to 2026/03/05"));
    expect(queries.length).toBe(1);
    expect(String(queries[0].headers.authorization)).toMatch(/^token [0-9a-f]{40}$/);
    expect(JSON.parse(queries[0].body)).toMatchObject({ model: "system__activity", view: "history", limit: "50000", query_timezone: "UTC" });

    // Six hours later: today's count grew to 5 and a late run of the 3rd arrived. Both replace, neither adds.
    await registerLooker(key, history(true));
    await alarmAt(s.tenant.id, T + 6 * HOUR + 60_000);
    const after = await usageEvents(s.tenant.id);
    expect(after.length).toBe(7);
    expect(after.find((e) => e.id === id("2026-03-04", "dashboard:42", "11"))?.count).toBe(5);
    expect(after.find((e) => e.id === id("2026-03-03", "dashboard:99", "12"))?.count).toBe(2);
    [state] = await collectors(s);
    expect(state.last_run).toMatchObject({ usage_events: 2, error: null });
    expect(await usageByProductDay(s.tenant.id, { [orders.id]: "orders", [growth.id]: "growth" })).toEqual([
      ["", "2026-03-03", 1],
      ["growth", "2026-03-02", 2],
      ["growth", "2026-03-03", 2],
      ["orders", "2026-03-01", 5],
      ["orders", "2026-03-02", 5],
      ["orders", "2026-03-04", 5],
    ]);

    // Read again with nothing new: nothing changes.
    await alarmAt(s.tenant.id, T + 12 * HOUR + 120_000);
    [state] = await collectors(s);
    expect(state.last_run).toMatchObject({ usage_events: 0, error: null });
    expect((await usageEvents(s.tenant.id)).reduce((a, e) => a + e.count, 0)).toBe(4 + 1 + 5 + 2 + 1 + 2 + 5);
  });
});

describe("Power BI usage collector", () => {
  const event = (id: string, at: string, extra: Record<string, unknown>) => ({
    Id: id,
    RecordType: 20,
    CreationTime: at,
    Operation: extra.Activity,
    Workload: "PowerBI",
    IsSuccess: true,
    ...extra,
  });

  it("counts each report and dashboard view once on the product its dataset or workspace names, day by day through continuation pages, and adds a late event on the trailing re-read", async () => {
    const { s, team } = await setupTenant();
    const orders = await product(s, { name: "orders", owner_team_id: team.id });
    const growth = await product(s, { name: "growth", owner_team_id: team.id });
    const key = biKey("powerbi");
    const sales = { DatasetName: "Sales", WorkspaceName: "Finance" };
    const events = (late: boolean) => [
      // Before the two-day lookback: never asked for.
      event("e0", "2026-03-02T10:00:00", { Activity: "ViewReport", UserId: "john@contoso.com", ReportId: "r1", ...sales }),
      event("e1", "2026-03-03T13:00:00", { Activity: "ViewReport", UserId: "john@contoso.com", ReportId: "r1", ...sales }),
      // The other casing of the workspace field; its name is a product's.
      event("e2", "2026-03-03T15:00:00", { Activity: "ViewDashboard", UserId: "mary@contoso.com", DashboardId: "d1", WorkSpaceName: "growth" }),
      // Editing is not use.
      event("e3", "2026-03-03T16:00:00", { Activity: "EditReport", UserId: "john@contoso.com", ReportId: "r1", ...sales }),
      event("e4", "2026-03-03T20:00:00", { Activity: "ViewReport", UserId: "mary@contoso.com", ReportId: "r3", ...sales }),
      // A dataset and workspace nothing maps: counted for no product.
      event("e5", "2026-03-04T08:00:00", {
        Activity: "ViewReport",
        UserId: "john@contoso.com",
        ReportId: "r2",
        DatasetName: "Scratch",
        WorkspaceName: "Sandbox",
      }),
      event("e6", "2026-03-04T09:00:00", { Activity: "ExportReport", UserId: "mary@contoso.com", ReportId: "r1", ...sales }),
      // A failed view is not use either.
      event("e7", "2026-03-04T09:30:00", { Activity: "ViewReport", UserId: "mary@contoso.com", ReportId: "r1", ...sales, IsSuccess: false }),
      // Happened before the first pass, published after it.
      ...(late ? [event("e8", "2026-03-04T11:30:00", { Activity: "ViewReport", UserId: "john@contoso.com", ReportId: "r1", ...sales })] : []),
    ];
    await registerPowerBi(key, events(false));
    const config = { azure_tenant_id: "contoso.onmicrosoft.com", login_url: fakeUrl("powerbi"), api_url: fakeUrl("powerbi") };
    const conn = await createConnection(s, team.id, "powerbi", "powerbi", config, key);

    await setEngineTime(s.tenant.id, T - 65_000);
    await enable(s, conn.id, { lookback_days: 2, interval_minutes: 120, product_map: { Sales: "orders" } });
    await alarmAt(s.tenant.id, T);

    expect((await usageEvents(s.tenant.id)).map((e) => [e.id, e.product_id, e.consumer, e.kind, e.count, e.day])).toEqual([
      ["powerbi:e1", orders.id, "john@contoso.com via powerbi", "dashboard_view", 1, "2026-03-03"],
      ["powerbi:e2", growth.id, "mary@contoso.com via powerbi", "dashboard_view", 1, "2026-03-03"],
      ["powerbi:e4", orders.id, "mary@contoso.com via powerbi", "dashboard_view", 1, "2026-03-03"],
      ["powerbi:e5", "", "john@contoso.com via powerbi", "dashboard_view", 1, "2026-03-04"],
      ["powerbi:e6", orders.id, "mary@contoso.com via powerbi", "dashboard_view", 1, "2026-03-04"],
    ]);
    let [state] = await collectors(s);
    expect(state.last_run).toMatchObject({ rows_read: 7, usage_events: 5, error: null });

    // The requests: a client-credentials token for the Power BI scope, then one quoted same-day range per UTC day of
    // the window (split at midnight), each followed through its continuation pages (an empty one among them).
    const mine = (await fakeRequests("powerbi")).filter((r) => r.body.includes(key.client_id) || r.path.startsWith("/v1.0/"));
    const token = mine.find((r) => r.path === "/contoso.onmicrosoft.com/oauth2/v2.0/token")!;
    expect(Object.fromEntries(new URLSearchParams(token.body))).toEqual({
      grant_type: "client_credentials",
      ...key,
      scope: "https://analysis.windows.net/powerbi/api/.default",
    });
    const ranges = (await fakeRequests("powerbi"))
      .map((r) => new URL(r.path, "http://x").searchParams)
      .filter((q) => q.get("startDateTime")?.startsWith("'2026-03-0"))
      .map((q) => [q.get("startDateTime"), q.get("endDateTime")]);
    // The window's ends are the pass's clock (which moves a few milliseconds while the test runs); the days between are whole.
    expect(ranges.length).toBe(3);
    expect(ranges[0][0]).toMatch(/^'2026-03-02T12:00:00\.\d{3}Z'$/);
    expect(ranges[0][1]).toBe("'2026-03-02T23:59:59.999Z'");
    expect(ranges[1]).toEqual(["'2026-03-03T00:00:00.000Z'", "'2026-03-03T23:59:59.999Z'"]);
    expect(ranges[2][0]).toBe("'2026-03-04T00:00:00.000Z'");
    expect(ranges[2][1]).toMatch(/^'2026-03-04T1[12]:\d{2}:\d{2}\.\d{3}Z'$/);
    // Four events on the 3rd: two pages with an empty one between, followed by their continuation tokens.
    expect((await fakeRequests("powerbi")).filter((r) => r.path.includes("continuationToken=")).length).toBeGreaterThanOrEqual(2);

    // Two hours later e8 has been published: the trailing re-read (26 h) finds it; e1–e6, read again, count once.
    await registerPowerBi(key, events(true));
    await alarmAt(s.tenant.id, T + 2 * HOUR + 60_000);
    [state] = await collectors(s);
    expect(state.last_run).toMatchObject({ usage_events: 1, error: null });
    expect(await usageByProductDay(s.tenant.id, { [orders.id]: "orders", [growth.id]: "growth" })).toEqual([
      ["", "2026-03-04", 1],
      ["growth", "2026-03-03", 1],
      ["orders", "2026-03-03", 2],
      ["orders", "2026-03-04", 2],
    ]);
  });

  it("a wrong client secret is refused by Entra: the pass records the error without the secret and stores nothing", async () => {
    const { s, team } = await setupTenant();
    const key = biKey("powerbi");
    await registerPowerBi(key, [event("x1", "2026-03-04T08:00:00", { Activity: "ViewReport", UserId: "a@b.c", ReportId: "r1" })]);
    const wrong = { ...key, client_secret: `${key.client_secret}-old` };
    const config = { azure_tenant_id: "contoso.onmicrosoft.com", login_url: fakeUrl("powerbi"), api_url: fakeUrl("powerbi") };
    const conn = await createConnection(s, team.id, "powerbi", "powerbi", config, wrong);
    await setEngineTime(s.tenant.id, T - 65_000);
    await enable(s, conn.id, { lookback_days: 1 });
    await alarmAt(s.tenant.id, T);
    const [state] = await collectors(s);
    expect(state.last_run?.error).toContain("AADSTS7000215");
    expect(state.last_run?.error).not.toContain(wrong.client_secret);
    expect(await usageEvents(s.tenant.id)).toEqual([]);
  });
});
