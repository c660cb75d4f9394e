import { describe, expect, it } from "vitest";
import { BULK_PARAM_CHARS, chunkRows } from "../../worker/db/bulk";
import { freshnessStatus, previousDeadline } from "../../worker/lineage/freshness";
import { distancesFrom, nodeTypeOf, shortestPath } from "../../worker/lineage/graph";

const edges = [
  { from: "a", to: "b" },
  { from: "b", to: "c" },
  { from: "a", to: "c" },
  { from: "c", to: "d" },
  { from: "x", to: "d" },
];

describe("graph helpers", () => {
  it("distances are breadth-first along the direction", () => {
    expect(Object.fromEntries(distancesFrom("a", edges, "downstream"))).toEqual({ a: 0, b: 1, c: 1, d: 2 });
    expect(Object.fromEntries(distancesFrom("d", edges, "upstream"))).toEqual({ d: 0, c: 1, x: 1, b: 2, a: 2 });
  });

  it("finds one shortest path, or none against the edges' direction", () => {
    expect(shortestPath("a", "d", edges)).toEqual(["a", "c", "d"]);
    expect(shortestPath("d", "a", edges)).toBeNull();
    expect(shortestPath("a", "a", edges)).toEqual(["a"]);
  });

  it("tells datasets from jobs by id", () => {
    expect(nodeTypeOf("job_abc")).toBe("job");
    expect(nodeTypeOf("ds_abc")).toBe("dataset");
  });
});

describe("bulk payloads", () => {
  it("splits rows so each JSON parameter stays under the limit, keeping every row", () => {
    const rows = Array.from({ length: 5000 }, (_, i) => [`ds_${i}`, "x".repeat(200)]);
    const chunks = chunkRows(rows);
    expect(chunks.length).toBeGreaterThan(1);
    for (const c of chunks) expect(c.length).toBeLessThanOrEqual(BULK_PARAM_CHARS);
    expect(chunks.flatMap((c) => JSON.parse(c))).toEqual(rows);
    expect(chunkRows([])).toEqual([]);
  });
});

describe("expected freshness", () => {
  const policy = { cron: "0 7 * * 1-5", timezone: "Europe/London", maxAgeMs: 24 * 3_600_000 };

  it("judges at the latest weekday 07:00 London time, across the DST change", () => {
    // Monday 31 March 2025, after the clocks went forward: 07:00 BST is 06:00 UTC.
    const now = Date.UTC(2025, 2, 31, 9, 0);
    expect(previousDeadline(policy, now)).toBe(Date.UTC(2025, 2, 31, 6, 0));
    // Sunday: the latest deadline is Friday 07:00 GMT.
    expect(previousDeadline(policy, Date.UTC(2025, 2, 30, 12, 0))).toBe(Date.UTC(2025, 2, 28, 7, 0));
  });

  it("is fresh when written within max age of the deadline, late otherwise", () => {
    const now = Date.UTC(2025, 2, 31, 9, 0);
    expect(freshnessStatus(policy, Date.UTC(2025, 2, 31, 5, 30), now).state).toBe("fresh");
    expect(freshnessStatus(policy, Date.UTC(2025, 2, 29, 5, 0), now).state).toBe("late");
    expect(freshnessStatus(policy, null, now)).toMatchObject({
      state: "late",
      deadline: Date.UTC(2025, 2, 31, 6, 0),
      nextDeadline: Date.UTC(2025, 3, 1, 6, 0),
    });
  });
});
