import { describe, expect, it } from "vitest";
import { expectError } from "../helpers/api";
import { badInputFixture, paths, show } from "../helpers/bad-input";
import { call, fillPath } from "../helpers/sweep";

/**
 * Bad input, swept over every operation of the OpenAPI document (see bad-input-bodies.test.ts): here, every list's
 * `limit` and `cursor`. 400 naming the parameter; nothing is stored.
 */

const sweep = badInputFixture();

describe("bad input sweep over the OpenAPI document: list parameters", { timeout: 300_000 }, () => {
  it("every list refuses an absurd `limit` and a garbage `cursor` with 400 naming it; nothing is stored", async () => {
    const { f } = sweep;
    const lists = sweep.ops.filter((op) => op.method === "GET" && op.secured && op.query.some((q) => q.name === "limit" || q.name === "cursor"));
    expect(lists.length).toBeGreaterThan(20);
    await sweep.nothingWritten(lists, async (op) => {
      const base = fillPath(op, f.pathValues);
      const required = op.query
        .filter((q) => q.required)
        .map((q) => `&${q.name}=${encodeURIComponent(f.queryValues[q.name] ?? "")}`)
        .join("");
      const bad: Array<[string, string]> = [];
      if (op.query.some((q) => q.name === "limit")) bad.push(["limit", "1000000"], ["limit", "ten"]);
      if (op.query.some((q) => q.name === "cursor")) bad.push(["cursor", "garbage"], ["cursor", btoa('{"at":"x","id":1}')]);
      for (const [name, value] of bad) {
        const res = await call(f, op, { as: f.owner, path: `${base}?${name}=${value}${required}` });
        expect(res.status, show(op, `${name}=${value.slice(0, 40)}`, res)).toBe(400);
        expectError(res, 400, "validation_failed");
        expect(
          paths(res).some((p) => p === name || p.endsWith(`.${name}`)),
          show(op, `${name}=${value.slice(0, 40)}`, res),
        ).toBe(true);
      }
    });
  });
});
