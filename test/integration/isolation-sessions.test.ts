import { describe, expect, it } from "vitest";
import { isolationFixture, label, VIEWER_MAY } from "../helpers/isolation";
import { call } from "../helpers/sweep";

/**
 * Isolation and authorization, swept over every operation of the OpenAPI document (see isolation-reads.test.ts):
 * here, every state-changing operation called with a cookie session that may not make it.
 */

const sweep = isolationFixture();

describe("isolation and authorization sweep over the OpenAPI document: sessions", { timeout: 300_000 }, () => {
  it("a cookie session without the CSRF header gets 403 for every state-changing operation, and nothing is written", async () => {
    const { a } = sweep;
    await sweep.nothingWritten(sweep.writes(), async (op) => {
      const res = await call(a, op, { headers: { cookie: a.owner.cookie } });
      expect(res.status, label(op, "a session without CSRF", res)).toBe(403);
      expect(res.json?.error?.code).toBe("forbidden");
    });
  });

  it("a tenant viewer gets 403 (or 404 where the object is hidden) for every state-changing operation, and nothing is written", async () => {
    const { a } = sweep;
    await sweep.nothingWritten(
      sweep.writes().filter((op) => !VIEWER_MAY[op.key]),
      async (op) => {
        const res = await call(a, op, { as: a.viewer });
        expect([403, 404], label(op, "a viewer", res)).toContain(res.status);
      },
    );
  });
});
