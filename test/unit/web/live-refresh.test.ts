import { describe, expect, it } from "vitest";
import { updatedAgo } from "../../../web/src/lib/format";
import { nextRefreshDelay, REFRESH_MS } from "../../../web/src/lib/refresh-delay";

describe("how a live list says its age", () => {
  const at = Date.UTC(2026, 2, 29, 0, 59, 30);
  it("reads 'just now' for ten seconds, then seconds, then minutes and hours", () => {
    expect(updatedAgo(at, at)).toBe("just now");
    expect(updatedAgo(at, at + 9_999)).toBe("just now");
    expect(updatedAgo(at, at + 10_000)).toBe("10 s ago");
    expect(updatedAgo(at, at + 59_000)).toBe("59 s ago");
    expect(updatedAgo(at, at + 60_000)).toBe("1 min ago");
    // Across the night the clocks change in Europe: an age is a difference of instants, not of wall times.
    expect(updatedAgo(at, at + 2 * 3_600_000)).toBe("2 h ago");
  });
});

describe("when a live list reads again", () => {
  it("every interval while reads succeed, doubling after each failure, never more than two minutes apart", () => {
    expect(nextRefreshDelay(0)).toBe(REFRESH_MS);
    expect(nextRefreshDelay(1)).toBe(2 * REFRESH_MS);
    expect(nextRefreshDelay(2)).toBe(4 * REFRESH_MS);
    expect(nextRefreshDelay(3)).toBe(120_000);
    expect(nextRefreshDelay(50)).toBe(120_000);
  });
});
