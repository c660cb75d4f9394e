import { describe, expect, it } from "vitest";
import { assertValidCron, nextSlot } from "../../../worker/engine/cron";
import {
  actionSavings,
  costPerRun,
  slowCron,
  UNUSED_GRACE_MS,
  unusedFor,
  unusedStep,
  usedSince,
  type UnusedFacts,
} from "../../../worker/products/unused-rules";

const DAY = 86_400_000;
/** A pinned "now" for every rule: nothing here reads today's date. */
const NOW = Date.parse("2026-03-10T06:00:00.000Z");
const policy = { afterDays: 30, action: "pause" as const, slowTo: null };

const facts = (over: Partial<UnusedFacts> = {}): UnusedFacts => ({
  policy,
  noticeAt: null,
  keptUntil: null,
  usageKnown: true,
  lastUsedDay: "2026-01-01",
  createdAt: Date.parse("2025-06-01T00:00:00Z"),
  active: null,
  ...over,
});

describe("unused for N days", () => {
  it("counts whole UTC days since the last day with use, or since registration when never used", () => {
    // 30 days before 2026-03-10 is 2026-02-08: a last use that day or earlier is 30 days without use.
    expect(unusedFor("2026-02-08", 0, NOW, 30)).toBe(true);
    expect(unusedFor("2026-02-09", 0, NOW, 30)).toBe(false);
    expect(unusedFor(null, NOW - 30 * DAY, NOW, 30)).toBe(true);
    expect(unusedFor(null, NOW - 29 * DAY, NOW, 30)).toBe(false);
  });

  it("sees use returning on or after the day of the action", () => {
    expect(usedSince("2026-03-10", NOW)).toBe(true);
    expect(usedSince("2026-03-09", NOW)).toBe(false);
    expect(usedSince(null, NOW)).toBe(false);
  });
});

describe("the daily step of an unused policy", () => {
  it("tells the owners first, with the action a grace period later", () => {
    expect(unusedStep(facts(), NOW)).toEqual({ kind: "notify", actsAt: NOW + UNUSED_GRACE_MS });
  });

  it("does nothing during the grace period, then acts if the product is still unused", () => {
    const noticed = facts({ noticeAt: NOW });
    expect(unusedStep(noticed, NOW + UNUSED_GRACE_MS - 1).kind).toBe("none");
    expect(unusedStep(noticed, NOW + UNUSED_GRACE_MS).kind).toBe("apply");
  });

  it("withdraws a notice when use returns, the policy is turned off, usage becomes unknown or the owners keep it", () => {
    const noticed = { noticeAt: NOW };
    expect(unusedStep(facts({ ...noticed, lastUsedDay: "2026-03-11" }), NOW + DAY).kind).toBe("withdraw");
    expect(unusedStep(facts({ ...noticed, policy: null }), NOW + DAY).kind).toBe("withdraw");
    expect(unusedStep(facts({ ...noticed, usageKnown: false }), NOW + DAY).kind).toBe("withdraw");
    expect(unusedStep(facts({ ...noticed, keptUntil: NOW + 30 * DAY }), NOW + 4 * DAY).kind).toBe("withdraw");
  });

  it("says nothing without a policy, in a workspace that reports no usage, for a used product, or while kept", () => {
    expect(unusedStep(facts({ policy: null }), NOW).kind).toBe("none");
    expect(unusedStep(facts({ usageKnown: false }), NOW).kind).toBe("none");
    expect(unusedStep(facts({ lastUsedDay: "2026-03-01" }), NOW).kind).toBe("none");
    expect(unusedStep(facts({ keptUntil: NOW + DAY }), NOW).kind).toBe("none");
    // Keeping lasts until the day it names; then the policy speaks again.
    expect(unusedStep(facts({ keptUntil: NOW }), NOW).kind).toBe("notify");
  });

  it("with actions in effect, tells the owners once that use returned, and never acts again", () => {
    const active = { actedAt: NOW, useReturnTold: false };
    expect(unusedStep(facts({ active }), NOW + DAY).kind).toBe("none");
    expect(unusedStep(facts({ active, lastUsedDay: "2026-03-12" }), NOW + 3 * DAY).kind).toBe("use_returned");
    expect(unusedStep(facts({ active: { ...active, useReturnTold: true }, lastUsedDay: "2026-03-12" }), NOW + 3 * DAY).kind).toBe("none");
  });
});

describe("slowing a schedule", () => {
  it("runs once a day at the minute and hour the original starts from", () => {
    expect(slowCron("*/15 * * * *", "UTC", "daily")).toBe("0 0 * * *");
    expect(slowCron("30 */2 * * *", "UTC", "daily")).toBe("30 0 * * *");
    expect(slowCron("5,35 6-18 * * 1-5", "Europe/London", "daily")).toBe("5 6 * * *");
  });

  it("runs once a week on the original's first weekday, else Monday", () => {
    expect(slowCron("0 6 * * 1-5", "UTC", "weekly")).toBe("0 6 * * 1");
    expect(slowCron("0 6 * * *", "UTC", "weekly")).toBe("0 6 * * 1");
    expect(slowCron("45 3 * * SAT,SUN", "UTC", "weekly")).toBe("45 3 * * SAT");
    expect(slowCron("0 * * * *", "America/New_York", "weekly")).toBe("0 0 * * 1");
  });

  it("leaves alone a schedule already as coarse as the target, or coarser", () => {
    expect(slowCron("0 6 * * *", "UTC", "daily")).toBeNull();
    expect(slowCron("0 6 * * 1-5", "UTC", "daily")).toBeNull();
    expect(slowCron("0 6 1 * *", "UTC", "daily")).toBeNull();
    expect(slowCron("0 6 * * 1", "UTC", "weekly")).toBeNull();
    expect(slowCron("0 6 1 * *", "UTC", "weekly")).toBeNull();
    expect(slowCron("0 6 L * *", "UTC", "weekly")).toBeNull();
  });

  it("always gives a valid cron that fires no more often than the target", () => {
    for (const cron of ["*/5 * * * *", "0 */4 * * *", "15 8,20 * * *", "0 9-17 * * MON-FRI", "0 6 * * 5#2,1"]) {
      for (const target of ["daily", "weekly"] as const) {
        const slowed = slowCron(cron, "UTC", target);
        if (slowed === null) continue;
        expect(() => assertValidCron(slowed, "UTC")).not.toThrow();
        const first = nextSlot(slowed, "UTC", NOW)!;
        const second = nextSlot(slowed, "UTC", first)!;
        expect(second - first).toBeGreaterThanOrEqual(target === "daily" ? DAY - 3_600_000 : 7 * DAY - 3_600_000);
      }
    }
  });
});

describe("what slowing or pausing saved", () => {
  const hourly = { previousCron: "0 * * * *", timezone: "UTC", actedAt: NOW, undoneAt: null, costPerRunMicros: 2_500_000 };

  it("is the runs the old schedule would have made minus the runs made, times the measured cost per run", () => {
    // 24 hourly slots in the day after the action; paused, one manual run was made.
    expect(actionSavings(hourly, 1, NOW + DAY)).toEqual({ wouldHaveRun: 24, runsSkipped: 23, savedMicros: 23 * 2_500_000 });
    // Slowed to daily: one run a day was made.
    expect(actionSavings(hourly, 2, NOW + 2 * DAY)).toEqual({ wouldHaveRun: 48, runsSkipped: 46, savedMicros: 46 * 2_500_000 });
  });

  it("stops counting when the action was undone", () => {
    expect(actionSavings({ ...hourly, undoneAt: NOW + 6 * 3_600_000 }, 0, NOW + 10 * DAY).runsSkipped).toBe(6);
  });

  it("says unknown, not zero, without a measured cost per run, and never counts negative runs", () => {
    expect(actionSavings({ ...hourly, costPerRunMicros: null }, 0, NOW + DAY)).toEqual({ wouldHaveRun: 24, runsSkipped: 24, savedMicros: null });
    expect(actionSavings(hourly, 50, NOW + DAY).runsSkipped).toBe(0);
    expect(actionSavings(hourly, 0, NOW - DAY)).toEqual({ wouldHaveRun: 0, runsSkipped: 0, savedMicros: 0 });
  });

  it("measures cost per run over the runs that carried cost", () => {
    expect(costPerRun(9_000_000, 3)).toBe(3_000_000);
    expect(costPerRun(0, 0)).toBeNull();
  });
});
