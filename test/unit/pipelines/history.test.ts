import { describe, expect, it } from "vitest";
import { everyDay, historyWindow, successRate } from "../../../worker/pipelines/history";

describe("the days a pipeline's history covers", () => {
  it("ends with today's UTC day, at any hour, and spans whole days", () => {
    const lateOn7Dec = Date.UTC(2026, 11, 7, 23, 59, 59, 999);
    const early7Dec = Date.UTC(2026, 11, 7, 0, 0, 0, 0);
    for (const now of [lateOn7Dec, early7Dec]) {
      const { from, to } = historyWindow(7, now);
      expect(new Date(to).toISOString()).toBe("2026-12-08T00:00:00.000Z");
      expect(new Date(from).toISOString()).toBe("2026-12-01T00:00:00.000Z");
    }
    // A leap February and a month boundary are days like any other: 30 days up to 1 March 2028 start on 1 February.
    const { from } = historyWindow(30, Date.UTC(2028, 2, 1, 12));
    expect(new Date(from).toISOString()).toBe("2028-02-01T00:00:00.000Z");
  });

  it("fills every day of the range, empty ones with zeros, oldest first", () => {
    const { from, to } = historyWindow(3, Date.UTC(2026, 2, 29, 1, 30));
    const day = Date.UTC(2026, 2, 28) / 86_400_000;
    const days = everyDay([{ day, runs: 2, succeeded: 1, failed: 1, avg_success_ms: 1234.6 }], from, to);
    expect(days).toEqual([
      { date: "2026-03-27", runs: 0, succeeded: 0, failed: 0, avg_success_ms: null },
      { date: "2026-03-28", runs: 2, succeeded: 1, failed: 1, avg_success_ms: 1235 },
      { date: "2026-03-29", runs: 0, succeeded: 0, failed: 0, avg_success_ms: null },
    ]);
  });

  it("rates success among runs that succeeded or failed only, and has no rate without either", () => {
    expect(successRate(3, 1)).toBe(0.75);
    expect(successRate(0, 0)).toBeNull();
  });
});
