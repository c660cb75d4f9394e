import { describe, expect, it } from "vitest";
import {
  bucketLabel,
  dailyDatasets,
  daysBetween,
  formatMoney,
  formatRatio,
  formatTrend,
  otherColor,
  sortScorecards,
  topSeries,
  valueTone,
} from "../../../web/src/lib/product-model";
import type { ProductScorecard } from "../../../web/src/lib/api/types";

function card(rank: number, title: string, cost: number, ratio: number | null, alerts: number | null = 0): ProductScorecard {
  return {
    rank,
    product: { id: `dp_${rank}`, name: title.toLowerCase(), title, tier: "medium", owner_team: null },
    cost: { month_to_date: cost, previous_same_days: 0, trend: null, last_30_days: cost, per_use: null, per_consumer: null },
    usage: { month_to_date: 0, previous_same_days: 0, trend: null, last_30_days: 0, consumers: 0, last_used_day: null, known: true },
    value: { declared_monthly: null, ratio, state: "unknown" },
    zombie: false,
    reliability: {
      runs_30_days: 0,
      succeeded_30_days: 0,
      success_rate: null,
      success_rate_target: null,
      freshness: "no_policy",
      updated_at: null,
      deadline: null,
    },
    quality: { checks: 0, passing: 0, warning: 0, failing: 0, pass_rate: null, state: "no_checks" },
    health: { status: "unknown", label: "No runs yet", needs_attention: false },
    open_alerts: alerts,
    pipelines: 0,
    datasets: 0,
    saved: null,
  };
}

describe("scorecard formatting", () => {
  it("formats money by size, trends with a sign, ratios as multiples", () => {
    expect(formatMoney(1234.5, "USD")).toBe("$1,235");
    expect(formatMoney(12.5, "USD")).toBe("$13");
    expect(formatMoney(2.5, "USD")).toBe("$2.50");
    expect(formatMoney(0.0042, "USD")).toBe("$0.0042");
    expect(formatMoney(null, "EUR")).toBe("—");
    expect(formatTrend(0.234)).toBe("+23%");
    expect(formatTrend(-0.05)).toBe("−5%");
    expect(formatTrend(null)).toBe("—");
    expect(formatRatio(22.345)).toBe("22.3×");
    expect(formatRatio(1.5)).toBe("1.50×");
    expect(valueTone.poor).toBe("danger");
    expect(valueTone.good).toBe("success");
    expect(valueTone.zombie).not.toBe("success");
  });

  it("sorts by any column with nulls last and ties by rank", () => {
    const items = [card(1, "A", 10, 5), card(2, "B", 30, null), card(3, "C", 20, 9, null)];
    expect(sortScorecards(items, "cost", true).map((s) => s.product.title)).toEqual(["B", "C", "A"]);
    expect(sortScorecards(items, "ratio", true).map((s) => s.product.title)).toEqual(["C", "A", "B"]);
    expect(sortScorecards(items, "ratio", false).map((s) => s.product.title)).toEqual(["A", "C", "B"]);
    expect(sortScorecards(items, "alerts", true).map((s) => s.product.title)).toEqual(["A", "B", "C"]);
    expect(sortScorecards(items, "name", false).map((s) => s.product.title)).toEqual(["A", "B", "C"]);
  });
});

describe("chart data", () => {
  it("keeps the biggest series and sums the rest into a grey Other", () => {
    const series = [5, 1, 9, 3].map((t, i) => ({ key: `k${i}`, label: `S${i}`, total: t, records: 1, amounts: [t, 0] }));
    const top = topSeries(series, 2);
    expect(top.map((d) => d.label)).toEqual(["S2", "S0", "Other (2)"]);
    expect(top[2]).toEqual({ label: "Other (2)", data: [4, 0], color: otherColor });
  });

  it("spreads daily rows over every day of the range, biggest key first", () => {
    const days = daysBetween("2026-02-27", "2026-03-02");
    expect(days).toEqual(["2026-02-27", "2026-02-28", "2026-03-01", "2026-03-02"]);
    const ds = dailyDatasets(
      [
        { day: "2026-02-28", source: "snowflake", amount: 2 },
        { day: "2026-03-02", source: "bigquery", amount: 5 },
        { day: "2026-03-02", source: "snowflake", amount: 1 },
        { day: "2026-01-01", source: "snowflake", amount: 99 },
      ],
      days,
      (r) => r.source,
      (r) => r.amount,
    );
    expect(ds.map((d) => [d.label, d.data])).toEqual([
      ["bigquery", [0, 0, 0, 5]],
      ["snowflake", [0, 2, 0, 1]],
    ]);
    expect(bucketLabel("2026-03-02")).toBe("2 Mar");
    expect(bucketLabel("2026-03")).toBe("Mar 2026");
  });
});

describe("cost CSV upload", () => {
  it("parses quoted fields with commas, quotes and line breaks", async () => {
    const { parseCsv } = await import("../../../web/src/lib/product-model");
    expect(parseCsv('a,b\r\n"x, ""y""","multi\nline"\n\n')).toEqual([
      ["a", "b"],
      ['x, "y"', "multi\nline"],
    ]);
  });

  it("turns rows into cost records with products, and reports problems by line", async () => {
    const { costRecordsFromCsv } = await import("../../../web/src/lib/product-model");
    const ok = costRecordsFromCsv("source,external_ref,amount,currency,started_at,product,quantity,unit\naws,inv-1,12.5,usd,2026-11-01,fin;growth,3,hours\n");
    expect(ok.problems).toEqual([]);
    expect(ok.records).toEqual([
      {
        source: "aws",
        external_ref: "inv-1",
        amount: 12.5,
        currency: "USD",
        started_at: "2026-11-01T00:00:00.000Z",
        quantity: 3,
        unit: "hours",
        attribution: {
          products: [
            { name: "fin", weight: 1 },
            { name: "growth", weight: 1 },
          ],
        },
      },
    ]);
    expect(costRecordsFromCsv("source,amount\naws,1").problems[0]).toMatch(/lacks external_ref, currency, started_at/);
    const bad = costRecordsFromCsv("source,external_ref,amount,currency,started_at\naws,a,12€,USD,2026-11-01\naws,b,1,USD,someday");
    expect(bad.records).toEqual([]);
    expect(bad.problems).toEqual(['Line 2: amount "12€" is not a number.', 'Line 3: started_at "someday" is not a date.']);
  });
});
