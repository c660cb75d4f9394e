import { describe, expect, it } from "vitest";
import { inQuietHours, quietUntil } from "../../../worker/alerting/quiet-hours";
import { recipientsOf, routeAlert, ruleMatches, type RoutingAlert, type RoutingRule } from "../../../worker/alerting/routing";

const alert = (over: Partial<RoutingAlert> = {}): RoutingAlert => ({
  kind: "run_failed",
  severity: "critical",
  pipelineName: "ingest_crm",
  products: ["finance_revenue"],
  tags: ["pii"],
  ownerTeamId: "A",
  impacts: [{ product: "finance_revenue", ownerTeamId: "B" }],
  namedTeamIds: [],
  namedChannelIds: [],
  ...over,
});

const rule = (over: Partial<RoutingRule> = {}): RoutingRule => ({
  id: "r1",
  teamId: "A",
  enabled: true,
  kinds: [],
  minSeverity: "info",
  pipelines: [],
  products: [],
  tags: [],
  channelIds: ["a1"],
  quietHours: null,
  escalateAfterMs: null,
  escalateChannelIds: [],
  ...over,
});

const channels = [
  { id: "a1", teamId: "A", enabled: true },
  { id: "a2", teamId: "A", enabled: true },
  { id: "b1", teamId: "B", enabled: true },
  { id: "b2", teamId: "B", enabled: false },
  { id: "c1", teamId: "C", enabled: true },
];

describe("alert routing", () => {
  it("goes to the owner, then the owners of impacted products, then teams the spec names, each once", () => {
    expect(
      recipientsOf(
        alert({
          impacts: [
            { product: "p", ownerTeamId: "B" },
            { product: "q", ownerTeamId: "A" },
          ],
          namedTeamIds: ["B", "C"],
        }),
      ),
    ).toEqual([
      { teamId: "A", role: "owner" },
      { teamId: "B", role: "downstream" },
      { teamId: "C", role: "named" },
    ]);
  });

  it("a team without rules hears warnings and worse on every enabled channel; info alerts stay in the dashboard", () => {
    const r = routeAlert(alert(), [], channels, 0, "notify");
    expect(r.routes.map((x) => [x.channelId, x.role, x.via])).toEqual([
      ["a1", "owner", ["default"]],
      ["a2", "owner", ["default"]],
      ["b1", "downstream", ["default"]],
    ]);
    expect(routeAlert(alert({ severity: "info" }), [], channels, 0, "notify").routes).toEqual([]);
  });

  it("once a team has rules, only matching rules pick its channels", () => {
    const rules = [rule({ id: "r1", channelIds: ["a2"], kinds: ["sla_missed"] }), rule({ id: "r2", channelIds: ["a1"], pipelines: ["ingest_crm"] })];
    expect(
      routeAlert(alert(), rules, channels, 0, "notify")
        .routes.filter((r) => r.teamId === "A")
        .map((r) => r.channelId),
    ).toEqual(["a1"]);
  });

  it("filters by kind, severity, pipeline, product and tag; an empty filter matches all", () => {
    expect(ruleMatches(rule(), alert())).toBe(true);
    expect(ruleMatches(rule({ enabled: false }), alert())).toBe(false);
    expect(ruleMatches(rule({ kinds: ["budget_threshold"] }), alert())).toBe(false);
    expect(ruleMatches(rule({ minSeverity: "critical" }), alert({ severity: "warning" }))).toBe(false);
    expect(ruleMatches(rule({ pipelines: ["other"] }), alert())).toBe(false);
    expect(ruleMatches(rule({ products: ["finance_revenue", "x"] }), alert())).toBe(true);
    expect(ruleMatches(rule({ products: ["x"] }), alert())).toBe(false);
    expect(ruleMatches(rule({ tags: ["pii"] }), alert())).toBe(true);
    expect(ruleMatches(rule({ tags: ["gdpr"] }), alert())).toBe(false);
  });

  it("never uses another team's channel or a disabled one, and sends named channels directly", () => {
    const rules = [rule({ teamId: "B", channelIds: ["a1", "b2", "b1"] })];
    const r = routeAlert(alert({ namedChannelIds: ["c1"] }), rules, channels, 0, "notify");
    expect(r.routes.map((x) => x.channelId).sort()).toEqual(["a1", "a2", "b1", "c1"]);
    expect(r.routes.find((x) => x.channelId === "c1")).toMatchObject({ teamId: "C", role: "named", via: ["named"] });
  });

  it("holds non-critical notifications during quiet hours, but not critical ones", () => {
    const quiet = { start: "22:00", end: "07:00", timezone: "Europe/London" };
    const night = Date.UTC(2026, 10, 25, 23, 30);
    const rules = [rule({ quietHours: quiet })];
    expect(routeAlert(alert({ severity: "warning" }), rules, channels, night, "notify").routes[0].notBefore).toBe(Date.UTC(2026, 10, 26, 7, 0));
    expect(routeAlert(alert({ severity: "critical" }), rules, channels, night, "notify").routes[0].notBefore).toBeNull();
    // A channel another rule sends to at once goes out at once.
    const both = routeAlert(alert({ severity: "warning" }), [...rules, rule({ id: "r2" })], channels, night, "notify");
    expect(both.routes[0]).toMatchObject({ channelId: "a1", notBefore: null, via: ["r1", "r2"] });
  });

  it("escalates only through rules that escalate, to their escalation channels, with the shortest delay", () => {
    const rules = [
      rule({ id: "r1", escalateAfterMs: 30 * 60_000, escalateChannelIds: ["a2"] }),
      rule({ id: "r2", escalateAfterMs: 10 * 60_000 }),
      rule({ id: "r3", channelIds: ["a2"] }),
    ];
    expect(routeAlert(alert(), rules, channels, 0, "notify").escalateAfterMs).toBe(10 * 60_000);
    const e = routeAlert(alert(), rules, channels, 0, "escalate");
    expect(e.routes.map((r) => r.channelId).sort()).toEqual(["a1", "a2"]);
    expect(routeAlert(alert(), [], channels, 0, "escalate").routes).toEqual([]);
  });
});

describe("quiet hours", () => {
  const overnight = { start: "22:00", end: "07:00", timezone: "Europe/London" };

  it("spans midnight in the rule's time zone", () => {
    expect(inQuietHours(overnight, Date.UTC(2026, 10, 25, 21, 59))).toBe(false);
    expect(inQuietHours(overnight, Date.UTC(2026, 10, 25, 22, 0))).toBe(true);
    expect(inQuietHours(overnight, Date.UTC(2026, 10, 26, 6, 59))).toBe(true);
    expect(inQuietHours(overnight, Date.UTC(2026, 10, 26, 7, 0))).toBe(false);
    // London is UTC+1 in summer: 21:30 UTC is 22:30 local.
    expect(inQuietHours(overnight, Date.UTC(2026, 6, 1, 21, 30))).toBe(true);
    expect(inQuietHours({ start: "09:00", end: "09:00", timezone: "UTC" }, Date.UTC(2026, 0, 1, 9, 0))).toBe(false);
  });

  it("ends at the next local end time, across a DST change", () => {
    // The night of 28–29 March 2026 London moves to BST: 07:00 local is 06:00 UTC.
    expect(quietUntil(overnight, Date.UTC(2026, 2, 28, 23, 0))).toBe(Date.UTC(2026, 2, 29, 6, 0));
    expect(quietUntil({ start: "09:00", end: "17:00", timezone: "America/New_York" }, Date.UTC(2026, 0, 5, 15, 0))).toBe(Date.UTC(2026, 0, 5, 22, 0));
    expect(quietUntil(overnight, Date.UTC(2026, 10, 25, 12, 0))).toBeNull();
  });
});
