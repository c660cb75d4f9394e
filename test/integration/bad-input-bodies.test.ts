import { workerFetch } from "../helpers/worker-fetch";
import { describe, expect, it } from "vitest";
import { BASE, expectError } from "../helpers/api";
import { badInputFixture, names, paths, show } from "../helpers/bad-input";
import { call, validBody } from "../helpers/sweep";

/**
 * Bad input, swept over every operation of the OpenAPI document (test/helpers/sweep.ts), in five files that share
 * test/helpers/bad-input.ts: here, bodies as a whole — malformed JSON, a non-JSON content type, a body of the wrong
 * shape, unknown fields, missing required fields, a body over the size limit. The answer is never a 5xx, always the
 * error envelope naming the field, and nothing is stored.
 */

const sweep = badInputFixture();

describe("bad input sweep over the OpenAPI document: bodies", { timeout: 300_000 }, () => {
  it("every operation that takes JSON has a valid body in the fixture (so it is swept)", () => {
    const missing = sweep
      .jsonOps()
      .filter((op) => !sweep.f.bodies[op.key])
      .map((op) => op.key);
    expect(missing, "add a valid body for these to bodies in test/helpers/sweep.ts").toEqual([]);
    expect(sweep.jsonOps().length).toBeGreaterThan(35);
  });

  it("malformed JSON gets 400 naming `body`, a text or form body 415, a body of the wrong shape 400; nothing is stored", async () => {
    const { f } = sweep;
    await sweep.nothingWritten(sweep.jsonOps(), async (op) => {
      const malformed = await call(f, op, { as: f.owner, rawBody: '{"name": ', headers: { "content-type": "application/json" } });
      expect(malformed.status, show(op, "malformed JSON", malformed)).toBe(400);
      expectError(malformed, 400, "validation_failed");
      expect(paths(malformed), show(op, "malformed JSON", malformed)).toEqual(["body"]);

      for (const type of ["text/plain", "application/x-www-form-urlencoded"]) {
        const res = await call(f, op, { as: f.owner, rawBody: JSON.stringify(validBody(f, op)), headers: { "content-type": type } });
        expect(res.status, show(op, type, res)).toBe(415);
        expectError(res, 415, "unsupported_media_type");
      }

      const valid = validBody(f, op);
      const wrongShape = await call(f, op, { as: f.owner, body: Array.isArray(valid) ? valid[0] : [valid] });
      expect(wrongShape.status, show(op, "wrong shape", wrongShape)).toBe(400);
      expectError(wrongShape, 400, "validation_failed");
    });
  });

  it("unknown fields get 400 naming each one wherever the schema is closed; nothing is stored", async () => {
    const { f } = sweep;
    const closed = sweep.jsonOps().filter((op) => op.jsonBody!.additionalProperties === false);
    expect(closed.length).toBeGreaterThan(30);
    await sweep.nothingWritten(closed, async (op) => {
      const res = await call(f, op, { as: f.owner, body: { ...(validBody(f, op) as object), is_admin: true } });
      expect(res.status, show(op, "unknown field", res)).toBe(400);
      expectError(res, 400, "validation_failed");
      expect(paths(res), show(op, "unknown field", res)).toEqual(["is_admin"]);
    });
  });

  it("a body without its required fields gets 400 naming every one of them; nothing is stored", async () => {
    const { f } = sweep;
    const withRequired = sweep.jsonOps().filter((op) => op.jsonBody!.required?.length);
    await sweep.nothingWritten(withRequired, async (op) => {
      const res = await call(f, op, { as: f.owner, body: {} });
      expect(res.status, show(op, "empty body", res)).toBe(400);
      expectError(res, 400, "validation_failed");
      for (const field of op.jsonBody!.required!) expect(names(res, field), show(op, `without ${field}`, res)).toBe(true);
    });
  });

  it("bodies over the limit are refused with 413 before anything is written, with or without Content-Length", async () => {
    const { f } = sweep;
    const team = sweep.ops.find((op) => op.key === "POST /teams")!;
    const huge = "x".repeat(1024 * 1024 + 1);
    await sweep.nothingWritten([team], async () => {
      expectError(await call(f, team, { as: f.owner, body: { name: "Big", description: huge } }), 413, "payload_too_large");
      const bytes = new TextEncoder().encode(JSON.stringify({ name: "Streamed", description: huge }));
      const stream = new ReadableStream<Uint8Array>({
        start(controller) {
          for (let i = 0; i < bytes.length; i += 64 * 1024) controller.enqueue(bytes.slice(i, i + 64 * 1024));
          controller.close();
        },
      });
      const streamed = await workerFetch(`${BASE}/api/v1/teams`, {
        method: "POST",
        headers: { "content-type": "application/json", cookie: f.owner.cookie, "x-csrf-token": f.owner.csrf },
        body: stream,
      });
      expect(streamed.status).toBe(413);
      expect(((await streamed.json()) as any).error.code).toBe("payload_too_large");
    });
  });
});
