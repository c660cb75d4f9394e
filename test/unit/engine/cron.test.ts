import { describe, expect, it } from "vitest";
import { nextSlot, slotsBetween } from "../../../worker/engine/cron";

const at = (iso: string) => Date.parse(iso);
const isoOf = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString());

describe("cron schedules", () => {
  it("weekday 06:00 London is 06:00 UTC in winter and 05:00 UTC in summer", () => {
    expect(isoOf(nextSlot("0 6 * * 1-5", "Europe/London", at("2026-01-05T00:00:00Z")))).toBe("2026-01-05T06:00:00.000Z");
    expect(isoOf(nextSlot("0 6 * * 1-5", "Europe/London", at("2026-07-06T00:00:00Z")))).toBe("2026-07-06T05:00:00.000Z");
  });

  it("a daily slot across the spring-forward change keeps local time", () => {
    // Clocks go forward on 2026-03-29 in London: 06:00 BST = 05:00 UTC.
    const slots = slotsBetween("0 6 * * *", "Europe/London", at("2026-03-28T00:00:00Z"), at("2026-03-30T23:59:59Z"), 10).map(isoOf);
    expect(slots).toEqual(["2026-03-28T06:00:00.000Z", "2026-03-29T05:00:00.000Z", "2026-03-30T05:00:00.000Z"]);
  });

  it("a slot inside the skipped hour fires once that day, right after the gap", () => {
    // 01:30 does not exist in London on 2026-03-29: clocks jump from 01:00 GMT to 02:00 BST (01:00 UTC).
    const slots = slotsBetween("30 1 * * *", "Europe/London", at("2026-03-28T00:00:00Z"), at("2026-03-30T23:59:59Z"), 10).map(isoOf);
    expect(slots).toEqual(["2026-03-28T01:30:00.000Z", "2026-03-29T01:00:00.000Z", "2026-03-30T00:30:00.000Z"]);
  });

  it("a slot inside the repeated hour fires once at fall-back", () => {
    // 01:30 happens twice in London on 2026-10-25.
    const slots = slotsBetween("30 1 * * *", "Europe/London", at("2026-10-24T12:00:00Z"), at("2026-10-26T12:00:00Z"), 10).map(isoOf);
    expect(slots.filter((s) => s!.startsWith("2026-10-25")).length).toBe(1);
    expect(slots).toContain("2026-10-26T01:30:00.000Z");
  });

  it("hourly slots over the fall-back night are an hour apart in real time", () => {
    const slots = slotsBetween("0 * * * *", "America/New_York", at("2026-11-01T04:00:00Z"), at("2026-11-01T08:00:00Z"), 10);
    const gaps = slots.slice(1).map((s, i) => (s - slots[i]) / 3_600_000);
    expect(gaps.every((g) => g === 1)).toBe(true);
  });

  it("slotsBetween caps the number of slots", () => {
    expect(slotsBetween("* * * * *", "UTC", at("2026-01-01T00:00:00Z"), at("2026-01-02T00:00:00Z"), 5)).toHaveLength(5);
  });
});
