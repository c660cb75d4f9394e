import { describe, expect, it } from "vitest";
import { scorecardWindows } from "../../../worker/costs/windows";

// Every case names its own "today": nothing here depends on the clock.
describe("scorecard windows for a range", () => {
  it("month to date is the default and compares with the same days at the start of the previous month", () => {
    expect(scorecardWindows("2026-07", "2026-07-10")).toEqual({
      period: "2026-07",
      range: "mtd",
      month: { from: "2026-07-01", to: "2026-07-10" },
      previous: { from: "2026-06-01", to: "2026-06-10" },
      last30: { from: "2026-06-11", to: "2026-07-10" },
      days: 10,
    });
  });

  it("month to date on the first day of a month covers one day", () => {
    expect(scorecardWindows("2026-01", "2026-01-01", "mtd")).toMatchObject({
      month: { from: "2026-01-01", to: "2026-01-01" },
      previous: { from: "2025-12-01", to: "2025-12-01" },
      days: 1,
    });
  });

  it("month to date on the 31st compares with a shorter previous month only up to its last day, leap year or not", () => {
    expect(scorecardWindows("2028-03", "2028-03-31").previous).toEqual({ from: "2028-02-01", to: "2028-02-29" });
    expect(scorecardWindows("2027-03", "2027-03-31").previous).toEqual({ from: "2027-02-01", to: "2027-02-28" });
  });

  it("7 days ending mid-month stay in the month and compare with the 7 days before", () => {
    expect(scorecardWindows("2026-07", "2026-07-20", "7d")).toMatchObject({
      range: "7d",
      month: { from: "2026-07-14", to: "2026-07-20" },
      previous: { from: "2026-07-07", to: "2026-07-13" },
      days: 7,
    });
  });

  it("7 days ending early in a month reach back across the month boundary", () => {
    expect(scorecardWindows("2026-08", "2026-08-03", "7d")).toMatchObject({
      month: { from: "2026-07-28", to: "2026-08-03" },
      previous: { from: "2026-07-21", to: "2026-07-27" },
    });
  });

  it("30 days across February count its 29th in a leap year and not otherwise", () => {
    expect(scorecardWindows("2028-03", "2028-03-05", "30d").month).toEqual({ from: "2028-02-05", to: "2028-03-05" });
    expect(scorecardWindows("2027-03", "2027-03-05", "30d").month).toEqual({ from: "2027-02-04", to: "2027-03-05" });
    expect(scorecardWindows("2028-03", "2028-03-01", "7d").month).toEqual({ from: "2028-02-24", to: "2028-03-01" });
  });

  it("90 days on 1 January reach into October of the year before", () => {
    expect(scorecardWindows("2027-01", "2027-01-01", "90d")).toMatchObject({
      month: { from: "2026-10-04", to: "2027-01-01" },
      previous: { from: "2026-07-06", to: "2026-10-03" },
      days: 90,
    });
  });

  it("a past month's range ends on its last day; a future month's on its first", () => {
    expect(scorecardWindows("2026-02", "2026-07-10", "7d").month).toEqual({ from: "2026-02-22", to: "2026-02-28" });
    expect(scorecardWindows("2026-12", "2026-07-10", "30d").month).toEqual({ from: "2026-11-02", to: "2026-12-01" });
  });

  it("the 30 days value and zombies are judged on do not move with the range", () => {
    for (const range of ["mtd", "7d", "30d", "90d"] as const) {
      expect(scorecardWindows("2026-07", "2026-07-10", range).last30).toEqual({ from: "2026-06-11", to: "2026-07-10" });
    }
  });
});
