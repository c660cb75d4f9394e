import { describe, expect, it } from "vitest";
import { badInputFixture, show } from "../helpers/bad-input";
import { call } from "../helpers/sweep";

/**
 * Bad input, swept over every operation of the OpenAPI document (see bad-input-bodies.test.ts): here, garbage in
 * every path parameter. 400 or 404 with the error envelope, never a 5xx; nothing is stored.
 */

const sweep = badInputFixture();

describe("bad input sweep over the OpenAPI document: path parameters", { timeout: 300_000 }, () => {
  it("garbage in a path parameter gets 400 or 404 with the error envelope, never a 5xx; nothing is stored", async () => {
    const { f } = sweep;
    const withParams = sweep.ops.filter((op) => op.secured && op.params.length);
    await sweep.nothingWritten(withParams, async (op) => {
      // Longer than any id or name, and not valid percent-encoding.
      for (const garbage of [`${"x".repeat(300)}%E0%A4%A`]) {
        for (let i = 0; i < op.params.length; i++) {
          let n = 0;
          const path = op.path.replace(/\{[^}]+\}/g, () => (n++ === i ? garbage : encodeURIComponent(f.pathValues[op.params[n - 1]])));
          const res = await call(f, op, { as: f.owner, path });
          expect([400, 404], show(op, `${op.params[i]} = ${garbage.slice(0, 20)}`, res)).toContain(res.status);
          expect(res.json?.error?.code, show(op, `${op.params[i]} = ${garbage.slice(0, 20)}`, res)).toMatch(/^(validation_failed|not_found)$/);
        }
      }
    });
  });
});
