import { describe, expect, it } from "vitest";
import { bucketsOf, pivot, weekOf } from "../../../worker/costs/explorer";
import { isZombie, rank, trend, valueRatio, valueState } from "../../../worker/costs/scorecard";
import { productHealth } from "../../../worker/products/health";
import { scorecardWindows } from "../../../worker/costs/windows";
import { productUpdatedAt, slaAttainment } from "../../../worker/products/reliability";

describe("scorecard figures", () => {
  it("compares month to date with the same days of the previous month", () => {
    expect(scorecardWindows("2026-03", "2026-03-31")).toMatchObject({
      month: { from: "2026-03-01", to: "2026-03-31" },
      previous: { from: "2026-02-01", to: "2026-02-28" },
      days: 31,
    });
    expect(scorecardWindows("2026-07", "2026-07-10")).toMatchObject({
      month: { to: "2026-07-10" },
      previous: { from: "2026-06-01", to: "2026-06-10" },
      last30: { from: "2026-06-11", to: "2026-07-10" },
    });
    expect(scorecardWindows("2026-05", "2026-07-10").month).toEqual({ from: "2026-05-01", to: "2026-05-31" });
  });

  it("value ÷ cost, trend and zombies", () => {
    expect(valueRatio(10_000_000, 2_000_000)).toBe(5);
    expect(valueRatio(null, 2)).toBeNull();
    expect(valueRatio(5, 0)).toBeNull();
    expect(trend(150, 100)).toBe(0.5);
    expect(trend(1, 0)).toBeNull();
    expect(isZombie({ cost30dMicros: 1, uses30d: 0 }, true)).toBe(true);
    expect(isZombie({ cost30dMicros: 0, uses30d: 0 }, true)).toBe(false);
    // A workspace that reports no usage at all: usage unknown, not zero.
    expect(isZombie({ cost30dMicros: 1, uses30d: 0 }, false)).toBe(false);
  });

  it("ranks by value for money, products without a value after, zombies last", () => {
    const order = rank([
      { productId: "zombie", ratio: 100, zombie: true, cost30dMicros: 5 },
      { productId: "no-value-cheap", ratio: null, zombie: false, cost30dMicros: 1 },
      { productId: "good", ratio: 8, zombie: false, cost30dMicros: 10 },
      { productId: "no-value-costly", ratio: null, zombie: false, cost30dMicros: 50 },
      { productId: "best", ratio: 20, zombie: false, cost30dMicros: 10 },
    ]).map((r) => r.productId);
    expect(order).toEqual(["best", "good", "no-value-costly", "no-value-cheap", "zombie"]);
  });
});

describe("value for money and health", () => {
  it("reads value ÷ cost as good from 3×, fair from 1×, poor below, unknown without a ratio", () => {
    expect(valueState(3, false)).toBe("good");
    expect(valueState(2.99, false)).toBe("fair");
    expect(valueState(1, false)).toBe("fair");
    expect(valueState(0.5, false)).toBe("poor");
    expect(valueState(null, false)).toBe("unknown");
  });

  it("never reads a zombie's value as good or fair, whatever value was declared", () => {
    expect(valueState(100, true)).toBe("zombie");
    expect(valueState(1.5, true)).toBe("zombie");
    expect(valueState(null, true)).toBe("zombie");
  });

  const base = { openAlerts: 0, freshness: "fresh" as const, successRate: 1, successRateTarget: 0.95, zombie: false };

  it("a zombie needs attention like a late or failing product", () => {
    expect(productHealth({ ...base, zombie: true })).toEqual({ status: "zombie", label: "Zombie", needsAttention: true });
    expect(productHealth({ ...base, freshness: "late" })).toMatchObject({ status: "late", needsAttention: true });
    expect(productHealth({ ...base, openAlerts: 2 })).toEqual({ status: "failed", label: "2 open alerts", needsAttention: true });
    expect(productHealth({ ...base, successRate: 0.9 })).toMatchObject({ status: "warning", needsAttention: true });
  });

  it("ranks open alerts before lateness before the success target before a zombie", () => {
    expect(productHealth({ ...base, openAlerts: 1, freshness: "late", zombie: true }).status).toBe("failed");
    expect(productHealth({ ...base, freshness: "late", successRate: 0.5, zombie: true }).status).toBe("late");
    expect(productHealth({ ...base, successRate: 0.5, zombie: true }).status).toBe("warning");
  });

  it("a healthy product or one with no runs yet needs no attention", () => {
    expect(productHealth(base)).toEqual({ status: "healthy", label: "Healthy", needsAttention: false });
    expect(productHealth({ ...base, freshness: "no_policy", successRate: null, openAlerts: null })).toEqual({
      status: "unknown",
      label: "No runs yet",
      needsAttention: false,
    });
  });
});

describe("reliability", () => {
  it("a product is as up to date as its stalest written dataset, whatever its pipelines did since", () => {
    expect(productUpdatedAt([100, 500], [30, null, 10])).toBe(10);
    expect(productUpdatedAt([100, null], [5])).toBe(5);
    expect(productUpdatedAt([], [30, null, 10])).toBe(10);
  });

  it("without a written dataset it is as fresh as its least recently successful pipeline", () => {
    expect(productUpdatedAt([100, 50], [])).toBe(50);
    expect(productUpdatedAt([100, 50], [null])).toBe(50);
    expect(productUpdatedAt([100, null], [])).toBeNull();
    expect(productUpdatedAt([], [null])).toBeNull();
    expect(productUpdatedAt([], [])).toBeNull();
  });

  it("counts the deadlines met by an update within max age", () => {
    const day = 86_400_000;
    const start = Date.UTC(2026, 0, 1);
    // Deadline 08:00 UTC daily, 3 days; updated at 07:00 on day 1 and 3, never on day 2.
    const updates = [start + 7 * 3_600_000, start + 2 * day + 7 * 3_600_000];
    const r = slaAttainment({ cron: "0 8 * * *", timezone: "UTC", maxAgeMs: 2 * 3_600_000 }, updates, start, start + 2 * day + 9 * 3_600_000);
    // Which deadline was missed is kept, so a day-by-day view can show the day (day 2, 08:00).
    expect(r).toEqual({ deadlines: 3, met: 2, rate: 2 / 3, missedAt: [start + day + 8 * 3_600_000] });
  });
});

describe("explorer buckets", () => {
  it("weeks start on Monday and months cover the range", () => {
    expect(weekOf("2026-07-05")).toBe("2026-06-29");
    expect(weekOf("2026-06-29")).toBe("2026-06-29");
    expect(bucketsOf("2026-06-30", "2026-07-02", "day")).toEqual(["2026-06-30", "2026-07-01", "2026-07-02"]);
    expect(bucketsOf("2026-11-15", "2027-01-02", "month")).toEqual(["2026-11", "2026-12", "2027-01"]);
    expect(bucketsOf("2026-07-01", "2026-07-14", "week")).toEqual(["2026-06-29", "2026-07-06", "2026-07-13"]);
  });

  it("pivots cells into series, biggest first, with zeros for empty buckets", () => {
    const s = pivot(
      [
        { bucket: "d1", key: "a", amountMicros: 1, records: 1 },
        { bucket: "d2", key: "b", amountMicros: 5, records: 2 },
        { bucket: "d2", key: "a", amountMicros: 1, records: 1 },
      ],
      ["d1", "d2", "d3"],
    );
    expect(s).toEqual([
      { key: "b", totalMicros: 5, records: 2, amountsMicros: [0, 5, 0] },
      { key: "a", totalMicros: 2, records: 2, amountsMicros: [1, 1, 0] },
    ]);
  });
});
