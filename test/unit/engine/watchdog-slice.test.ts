import { describe, expect, it } from "vitest";
import { watchdogSlice } from "../../../worker/engine-watchdog";

describe("the engine watchdog's share of tenants per tick", () => {
  const tenants = Array.from({ length: 1_250 }, (_, i) => `t_${String(i).padStart(4, "0")}`);

  it("visits everyone each tick while they fit", () => {
    expect(watchdogSlice(tenants.slice(0, 500), 500, 7)).toHaveLength(500);
  });

  it("visits at most the maximum per tick, and every tenant exactly once over consecutive ticks", () => {
    const ticks = [100, 101, 102].map((tick) => watchdogSlice(tenants, 500, tick));
    for (const slice of ticks) expect(slice.length).toBeLessThanOrEqual(500);
    const all = ticks.flat();
    expect(all).toHaveLength(tenants.length);
    expect(new Set(all).size).toBe(tenants.length);
    // The next tick starts the round again.
    expect(watchdogSlice(tenants, 500, 103)).toEqual(ticks[0]);
  });
});
