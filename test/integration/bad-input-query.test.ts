import { describe, expect, it } from "vitest";
import { badInputFixture, paths, show } from "../helpers/bad-input";
import { call, fillPath } from "../helpers/sweep";

/**
 * Bad input, swept over every operation of the OpenAPI document (see bad-input-bodies.test.ts): here, garbage in
 * every query parameter of every read (`limit` and `cursor` have bad-input-lists.test.ts).
 */

const sweep = badInputFixture();

describe("bad input sweep over the OpenAPI document: query parameters", { timeout: 300_000 }, () => {
  it("garbage in any query parameter of a read gets 200 or 400 naming the parameter, never a 5xx", async () => {
    const { f } = sweep;
    for (const op of sweep.ops.filter((o) => o.method === "GET" && o.secured && o.query.length)) {
      const base = fillPath(op, f.pathValues);
      for (const q of op.query.filter((x) => x.name !== "limit" && x.name !== "cursor")) {
        const others = op.query
          .filter((o) => o.required && o.name !== q.name)
          .map((o) => `&${o.name}=${encodeURIComponent(f.queryValues[o.name] ?? "")}`)
          .join("");
        // Not a number, not a day, not an id, not in any enum; then a number out of any range.
        for (const garbage of ["2026-13-45", "-1"]) {
          const res = await call(f, op, { as: f.owner, path: `${base}?${q.name}=${garbage}${others}` });
          const what = show(op, `${q.name}=${garbage}`, res);
          expect(res.status, what).toBeLessThan(500);
          expect([200, 400, 404], what).toContain(res.status);
          // A 400 names the parameter.
          expect(res.status !== 400 || paths(res).some((p) => p === q.name || p.endsWith(`.${q.name}`)), what).toBe(true);
        }
      }
    }
  });
});
