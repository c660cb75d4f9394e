import { describe, expect, it } from "vitest";
import { TtlCache } from "../../worker/lib/ttl-cache";

describe("TtlCache", () => {
  it("answers an entry until its time to live has passed", () => {
    const cache = new TtlCache<string>(1000, 10);
    cache.set("a", "one", 5000);
    expect(cache.get("a", 5999)).toBe("one");
    expect(cache.get("a", 6000)).toBeUndefined();
  });

  it("holds at most maxEntries, dropping the one set longest ago", () => {
    const cache = new TtlCache<number>(60_000, 3);
    for (const [i, key] of ["a", "b", "c"].entries()) cache.set(key, i, 0);
    cache.set("a", 10, 1); // set again: now the newest
    cache.set("d", 3, 2);
    expect(["a", "b", "c", "d"].map((k) => cache.get(k, 3))).toEqual([10, undefined, 2, 3]);
  });
});
