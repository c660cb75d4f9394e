import { describe, expect, it } from "vitest";
import { lookerErrorMessage } from "../../../worker/connectors/looker/client";
import { powerBiErrorMessage } from "../../../worker/connectors/powerbi/client";
import { biUsageRows, candidateNames } from "../../../worker/costs/collectors/bi-usage";
import { historyQuery, lookerUses } from "../../../worker/costs/collectors/looker-map";
import { utcDays } from "../../../worker/costs/collectors/powerbi";
import { powerBiUses } from "../../../worker/costs/collectors/powerbi-map";

const DAY = Date.parse("2026-05-20T00:00:00.000Z");

describe("Looker System Activity rows", () => {
  it("asks for whole UTC days, naming the day after the last because Looker's date range excludes its end", () => {
    expect(historyQuery("2026-05-18", "2026-05-20").filters).toEqual({ "history.created_date": "2026/05/18 to 2026/05/21" });
    expect(historyQuery("2026-12-31", "2026-12-31").filters["history.created_date"]).toBe("2026/12/31 to 2027/01/01");
  });

  it("gives one use per day, item, user and kind, adding rows of several sources, and skips rows it cannot place", () => {
    const row = { "history.created_date": "2026-05-20", "user.id": 11, "user.email": "ana@acme.com", "query.model": "orders", "query.view": "orders" };
    const uses = lookerUses(
      [
        { ...row, "history.source": "Dashboard", "dashboard.id": 42, "history.query_run_count": 3 },
        { ...row, "history.source": "Scheduled Task", "dashboard.id": "42", "history.query_run_count": "2" },
        { ...row, "history.source": "Saved Look", "look.id": 7, "history.query_run_count": 1 },
        { ...row, "history.source": "Explore", "history.query_run_count": 4 },
        { ...row, "history.source": "API", "history.query_run_count": 6 },
        // No model: a SQL Runner query names nothing a product could be.
        { ...row, "query.model": null, "history.source": "SQL Runner", "history.query_run_count": 9 },
        { ...row, "history.created_date": "2026-02-30", "dashboard.id": 1, "history.query_run_count": 1 },
        { ...row, "dashboard.id": 1, "history.query_run_count": 0 },
        { ...row, "dashboard.id": 1, "history.query_run_count": 1.5 },
      ],
      "conn_1",
    );
    expect(uses.map((u) => [u.eventId, u.kind, u.count, u.productKeys])).toEqual([
      ["looker:conn_1:2026-05-20:dashboard:42:11", "dashboard_view", 5, ["dashboard:42", "orders"]],
      ["looker:conn_1:2026-05-20:look:7:11", "dashboard_view", 1, ["look:7", "orders"]],
      ["looker:conn_1:2026-05-20:explore:orders/orders:11", "query", 4, ["explore:orders/orders", "orders"]],
      ["looker:conn_1:2026-05-20:api:explore:orders/orders:11", "api_call", 6, ["explore:orders/orders", "orders"]],
    ]);
    expect(uses[0]).toMatchObject({ consumer: "ana@acme.com via looker", at: DAY });
  });
});

describe("Power BI activity events", () => {
  const base = { CreationTime: "2026-05-20T07:55:15", UserId: "john@contoso.com", ReportId: "r1", DatasetName: "Sales", WorkspaceName: "Finance" };

  it("keeps views, exports and prints that succeeded, one per event id, times read as UTC", () => {
    const uses = powerBiUses([
      { ...base, Id: "a", Activity: "ViewReport" },
      { ...base, Id: "a", Activity: "ViewReport" },
      { ...base, Id: "b", Activity: "exportreport" },
      { ...base, Id: "c", Activity: "EditReport" },
      { ...base, Id: "d", Activity: "ViewReport", IsSuccess: false },
      { ...base, Id: "e", Operation: "ViewDashboard", DashboardId: "d9", ReportId: undefined, WorkspaceName: undefined, WorkSpaceName: "Ops" },
      { ...base, Id: "f", Activity: "ViewReport", CreationTime: "not a time" },
    ]);
    expect(uses.map((u) => [u.eventId, u.productKeys])).toEqual([
      ["powerbi:a", ["report:r1", "Sales", "Finance"]],
      ["powerbi:b", ["report:r1", "Sales", "Finance"]],
      ["powerbi:e", ["dashboard:d9", "Sales", "Ops"]],
    ]);
    expect(uses[0]).toMatchObject({ at: Date.parse("2026-05-20T07:55:15Z"), count: 1, kind: "dashboard_view", consumer: "john@contoso.com via powerbi" });
  });

  it("splits a window into same-day ranges, each ending a millisecond before the next starts", () => {
    expect(utcDays({ from: DAY - 3_600_000, to: DAY + 86_400_000, caughtUp: true })).toEqual([
      { from: DAY - 3_600_000, to: DAY - 1 },
      { from: DAY, to: DAY + 86_400_000 - 1 },
    ]);
    expect(utcDays({ from: DAY, to: DAY, caughtUp: true })).toEqual([]);
  });

  it("reads Entra's and Power BI's error bodies", () => {
    expect(powerBiErrorMessage({ error: "invalid_client", error_description: "AADSTS7000215: Invalid client secret provided." })).toBe(
      "invalid_client: AADSTS7000215: Invalid client secret provided.",
    );
    expect(powerBiErrorMessage({ error: { code: "PowerBINotAuthorizedException", message: "Unauthorized" } })).toBe(
      "PowerBINotAuthorizedException: Unauthorized",
    );
    expect(lookerErrorMessage({ message: "Validation Failed", errors: [{ field: "limit", message: "bad" }] })).toBe("Validation Failed (limit: bad)");
  });
});

describe("BI use attribution", () => {
  it("takes the first name the mapping or the catalog resolves, the item before its model or workspace; nothing resolved is unassigned", () => {
    const uses = [
      { eventId: "1", productKeys: ["dashboard:42", "orders"], consumer: "a", kind: "dashboard_view" as const, count: 2, at: DAY },
      { eventId: "2", productKeys: ["dashboard:99", "marketing"], consumer: "a", kind: "dashboard_view" as const, count: 1, at: DAY },
      { eventId: "3", productKeys: ["dashboard:55", "ghost"], consumer: "a", kind: "dashboard_view" as const, count: 1, at: DAY },
    ];
    const map = { "dashboard:99": "growth", orders: "dp_orders" };
    expect(candidateNames(uses, map).sort()).toEqual(["dashboard:42", "dashboard:55", "dp_orders", "ghost", "growth", "marketing"]);
    const products = new Map([
      ["dp_orders", "dp_orders"],
      ["growth", "dp_growth"],
      ["marketing", "dp_marketing"],
    ]);
    expect(biUsageRows(uses, map, products).map((r) => [r.id, r.productId, r.count])).toEqual([
      ["1", "dp_orders", 2],
      ["2", "dp_growth", 1],
      ["3", "", 1],
    ]);
  });
});
