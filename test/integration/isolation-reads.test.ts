import { describe, expect, it } from "vitest";
import { isolationFixture, label, OTHER_TEAM_MAY, PUBLIC, READ_SCOPE_MAY, VIEWER_MAY } from "../helpers/isolation";
import { call } from "../helpers/sweep";

/**
 * Isolation and authorization, swept over every operation of the OpenAPI document (test/helpers/sweep.ts): a new
 * route is checked without being listed, and the sweep fails when it cannot fill the route's path parameters or
 * body, so the fixture grows with the API. Three files share test/helpers/isolation.ts (the operations excused from
 * a check, with the reason): here, that every operation is covered, and another tenant's reads; the writes are in
 * isolation-sessions.test.ts and isolation-tokens.test.ts.
 */

const sweep = isolationFixture();

describe("isolation and authorization sweep over the OpenAPI document: coverage and reads", { timeout: 300_000 }, () => {
  it("every operation is swept or skipped for a stated reason, and every path parameter has a fixture value", () => {
    const { ops, a } = sweep;
    const publicOps = ops.filter((op) => !op.secured).map((op) => op.key);
    expect(publicOps.sort(), "operations without security: list them in PUBLIC with a reason, or secure them").toEqual(Object.keys(PUBLIC).sort());
    for (const map of [VIEWER_MAY, READ_SCOPE_MAY, OTHER_TEAM_MAY]) {
      for (const key of Object.keys(map))
        expect(
          ops.map((op) => op.key),
          `${key} is excused but not in the document`,
        ).toContain(key);
    }
    const unfilled = sweep.secured().flatMap((op) => op.params.filter((p) => a.pathValues[p] === undefined).map((p) => `${op.key}: ${p}`));
    expect(unfilled, "path parameters without a fixture value: add them to pathValues in test/helpers/sweep.ts").toEqual([]);
    const bodiless = sweep
      .secured()
      .filter((op) => op.jsonBody && !a.bodies[op.key])
      .map((op) => op.key);
    expect(bodiless, "JSON operations without a valid body: add them to bodies in test/helpers/sweep.ts").toEqual([]);
  });

  it("another tenant's session and token get 404 for every operation with an id or name in its path, and nothing changes", async () => {
    const { a, intruder } = sweep;
    const withIds = sweep.secured().filter((op) => op.params.length);
    expect(withIds.length).toBeGreaterThan(50);
    await sweep.nothingWritten(withIds, async (op) => {
      for (const [who, as] of [
        ["another tenant's session", intruder.session],
        ["another tenant's token", intruder.token],
      ] as const) {
        const res = await call(a, op, { as });
        expect(res.status, label(op, who, res)).toBe(404);
        expect(res.json?.error?.code, label(op, who, res)).toBe("not_found");
      }
    });
  });

  it("the owner reads every operation with an id in its path (the fixture's ids are real)", async () => {
    const { a } = sweep;
    for (const op of sweep.secured().filter((o) => o.params.length && o.method === "GET")) {
      const res = await call(a, op, { as: a.owner });
      expect(res.status, label(op, "the owner", res)).toBe(200);
    }
  });

  it("another tenant's lists never show the fixture tenant's objects", async () => {
    const { a, intruder } = sweep;
    const ids = Object.entries(a.pathValues)
      .filter(([key]) => key.endsWith("{id}") || key.endsWith("{userId}"))
      .map(([, id]) => id);
    for (const op of sweep.secured().filter((o) => o.method === "GET" && !o.params.length && !o.query.some((q) => q.required))) {
      for (const as of [intruder.session, intruder.token]) {
        const res = await call(a, op, { as });
        expect(res.status, label(op, "another tenant", res)).toBeLessThan(500);
        for (const id of ids) expect(res.text, `${op.key} shows ${id} to another tenant`).not.toContain(id);
      }
    }
  });
});
