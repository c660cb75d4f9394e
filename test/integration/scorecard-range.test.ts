import { describe, expect, it } from "vitest";
import { api, expectError, signup } from "../helpers/api";
import { postCosts, product, record } from "../helpers/costs";
import { firstTeamId } from "../helpers/fixtures";

const DAY_MS = 86_400_000;
// Instants relative to the Worker's clock (pinned or not), so the windows hold on any day of any month.
const daysAgo = (n: number) => new Date(Date.now() - 60_000 - n * DAY_MS).toISOString();
const dayOf = (iso: string) => iso.slice(0, 10);

/** A product with cost today (1), 10 days ago (20) and 45 days ago (300), and uses today (2) and 10 days ago (5). */
async function productWithHistory() {
  const s = await signup();
  const p = await product(s, { name: "history", owner_team_id: await firstTeamId(s) });
  const at = [daysAgo(0), daysAgo(10), daysAgo(45)];
  await postCosts(s, [
    record({ source: "aws", external_ref: "today", amount: 1, started_at: at[0], attribution: { products: [{ name: "history" }] } }),
    record({ source: "aws", external_ref: "ten", amount: 20, started_at: at[1], attribution: { products: [{ name: "history" }] } }),
    record({ source: "gcp", external_ref: "fortyfive", amount: 300, started_at: at[2], attribution: { products: [{ name: "history" }] } }),
  ]);
  const usage = await api("/usage", {
    as: s,
    body: {
      events: [
        { product: "history", kind: "query", count: 2, at: at[0], consumer: "ana" },
        { product: "history", kind: "query", count: 5, at: at[1], consumer: "bo" },
      ],
    },
  });
  expect(usage.status, usage.text).toBeLessThan(300);
  return { s, p, at };
}

describe("the scorecard's time range", () => {
  it("?range= picks the trailing days the ranking's cost and usage figures cover, and their comparison", async () => {
    const { s, at } = await productWithHistory();
    const cases = [
      ["7d", 7, 1, 20, 2, 5],
      ["30d", 30, 21, 300, 7, 0],
      ["90d", 90, 321, 0, 7, 0],
    ] as const;
    for (const [range, days, cost, previous, uses, previousUses] of cases) {
      const res = await api(`/scorecard?range=${range}`, { as: s });
      expect(res.status, res.text).toBe(200);
      const to = dayOf(at[0]);
      const from = dayOf(new Date(Date.parse(`${to}T00:00:00Z`) - (days - 1) * DAY_MS).toISOString());
      expect(res.json.window).toMatchObject({ range, from, to, days });
      expect(res.json.month).toEqual({ from, to });
      expect(res.json.totals, range).toMatchObject({ month_to_date: cost, previous_same_days: previous });
      expect(res.json.items[0].cost, range).toMatchObject({ month_to_date: cost, previous_same_days: previous, last_30_days: 21 });
      expect(res.json.items[0].usage, range).toMatchObject({ month_to_date: uses, previous_same_days: previousUses, last_30_days: 7 });
    }
  });

  it("without a range the figures are month to date, as before", async () => {
    const { s, at } = await productWithHistory();
    const monthStart = `${dayOf(at[0]).slice(0, 7)}-01`;
    const inMonth = [1, 20, 300].filter((_, i) => dayOf(at[i]) >= monthStart).reduce((a, b) => a + b, 0);
    const res = await api("/scorecard", { as: s });
    expect(res.json.window).toMatchObject({ range: "mtd", from: monthStart, to: dayOf(at[0]) });
    expect(res.json.totals.month_to_date).toBe(inMonth);
  });

  it("the product page's series, sources, consumers and figures cover the chosen range", async () => {
    const { s, p, at } = await productWithHistory();
    const week = await api(`/products/${p.id}/scorecard?range=7d`, { as: s });
    expect(week.status, week.text).toBe(200);
    expect(week.json.window).toMatchObject({ range: "7d", to: dayOf(at[0]), days: 7 });
    expect(week.json.cost_by_source).toEqual([{ day: dayOf(at[0]), source: "aws", amount: 1 }]);
    expect(week.json.cost_sources.map((x: { source: string; amount: number }) => [x.source, x.amount])).toEqual([["aws", 1]]);
    expect(week.json.usage_by_kind).toEqual([{ day: dayOf(at[0]), kind: "query", count: 2 }]);
    expect(week.json.top_consumers).toEqual([{ consumer: "ana", count: 2 }]);
    expect(week.json.scorecard.cost).toMatchObject({ month_to_date: 1, previous_same_days: 20 });

    const quarter = await api(`/products/${p.id}/scorecard?range=90d`, { as: s });
    expect(quarter.json.cost_sources.map((x: { source: string; amount: number }) => [x.source, x.amount])).toEqual([
      ["gcp", 300],
      ["aws", 21],
    ]);
    expect(quarter.json.cost_by_source.map((x: { day: string }) => x.day)).toEqual([dayOf(at[2]), dayOf(at[1]), dayOf(at[0])]);
    expect(quarter.json.top_consumers).toEqual([
      { consumer: "bo", count: 5 },
      { consumer: "ana", count: 2 },
    ]);
  });

  it("a range it does not know is refused with 400 naming query.range, on both routes", async () => {
    const { s, p } = await productWithHistory();
    for (const path of ["/scorecard?range=2w", `/products/${p.id}/scorecard?range=14d`, "/scorecard?range="]) {
      const res = await api(path, { as: s });
      expectError(res, 400, "validation_failed");
      expect(
        res.json.error.details.map((d: { path: string }) => d.path),
        path,
      ).toContain("query.range");
    }
  });
});
