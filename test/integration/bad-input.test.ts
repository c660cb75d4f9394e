import { SELF } from "cloudflare:test";
import { beforeAll, describe, expect, it } from "vitest";
import { BASE, expectError } from "../helpers/api";
import {
  assertNothingWritten,
  call,
  fillPath,
  fixtureTenant,
  operations,
  validBody,
  type FixtureTenant,
  type JsonSchema,
  type Operation,
} from "../helpers/sweep";

/**
 * Bad input, swept over every operation of the OpenAPI document (test/helpers/sweep.ts): every operation that takes
 * JSON gets malformed JSON, a non-JSON content type, a body of the wrong shape, unknown fields, a missing value,
 * a wrong type and an oversized string for each of its fields; every list gets an absurd `limit` and a garbage
 * `cursor`; every path parameter gets garbage. The answer is never a 5xx, always the error envelope naming the
 * field, and nothing is stored.
 */

let ops: Operation[];
let f: FixtureTenant;

beforeAll(async () => {
  ops = await operations();
  f = await fixtureTenant();
}, 180_000);

const jsonOps = () => ops.filter((op) => op.jsonBody);
/** Operations whose valid body is an object, so a field of it can be replaced (array bodies have their own checks). */
const objectBodyOps = () => jsonOps().filter((op) => !Array.isArray(validBody(f, op)));
const nothingWritten = (list: Operation[], calls: (op: Operation) => Promise<void>) => assertNothingWritten(f.owner.tenant.id, list, calls);
const paths = (res: { json: any }): string[] => (res.json?.error?.details ?? []).map((d: { path: string }) => d.path);
/** A detail names `field` itself or something inside it. */
const names = (res: { json: any }, field: string) => paths(res).some((p) => p === field || p.startsWith(`${field}.`) || p.startsWith(`${field}[`));
const show = (op: Operation, what: string, res: { status: number; text: string }) => `${op.key} ${what}: ${res.status} ${res.text.slice(0, 300)}`;

/** The JSON types a schema accepts (empty: anything). */
function typesOf(s: JsonSchema): Set<string> {
  const alternatives = s.anyOf ?? s.oneOf;
  if (alternatives) return new Set(alternatives.flatMap((x) => [...typesOf(x)]));
  if (Array.isArray(s.type)) return new Set(s.type);
  if (s.type) return new Set([s.type]);
  if (s.enum) return new Set(s.enum.map((v) => (v === null ? "null" : typeof v)));
  return new Set();
}

const jsonType = (v: unknown) =>
  v === null ? "null" : Array.isArray(v) ? "array" : typeof v === "number" ? (Number.isInteger(v) ? "integer" : "number") : typeof v;

/** A value of a type the field does not accept, or undefined when it accepts any JSON. */
function wrongValue(s: JsonSchema): unknown {
  const types = typesOf(s);
  if (!types.size) return undefined;
  const accepts = (v: unknown) => types.has(jsonType(v)) || (jsonType(v) === "integer" && types.has("number"));
  return [12345, "not-of-this-type", true, ["x"], { x: 1 }].find((v) => !accepts(v));
}

const isString = (s: JsonSchema) => typesOf(s).has("string") && !s.enum && !(s.anyOf ?? s.oneOf)?.some((x) => x.enum);

// Each sweep makes hundreds of requests in sequence: seconds on a quiet machine, minutes on a crowded one.
describe("bad input sweep over the OpenAPI document", { timeout: 300_000 }, () => {
  it("every operation that takes JSON has a valid body in the fixture (so it is swept)", () => {
    const missing = jsonOps()
      .filter((op) => !f.bodies[op.key])
      .map((op) => op.key);
    expect(missing, "add a valid body for these to bodies in test/helpers/sweep.ts").toEqual([]);
    expect(jsonOps().length).toBeGreaterThan(35);
  });

  it("malformed JSON gets 400 naming `body`, a text or form body 415, a body of the wrong shape 400; nothing is stored", async () => {
    await nothingWritten(jsonOps(), async (op) => {
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
    const closed = jsonOps().filter((op) => op.jsonBody!.additionalProperties === false);
    expect(closed.length).toBeGreaterThan(30);
    await nothingWritten(closed, async (op) => {
      const res = await call(f, op, { as: f.owner, body: { ...(validBody(f, op) as object), is_admin: true } });
      expect(res.status, show(op, "unknown field", res)).toBe(400);
      expectError(res, 400, "validation_failed");
      expect(paths(res), show(op, "unknown field", res)).toEqual(["is_admin"]);
    });
  });

  it("a body without its required fields gets 400 naming every one of them; nothing is stored", async () => {
    const withRequired = jsonOps().filter((op) => op.jsonBody!.required?.length);
    await nothingWritten(withRequired, async (op) => {
      const res = await call(f, op, { as: f.owner, body: {} });
      expect(res.status, show(op, "empty body", res)).toBe(400);
      expectError(res, 400, "validation_failed");
      for (const field of op.jsonBody!.required!) expect(names(res, field), show(op, `without ${field}`, res)).toBe(true);
    });
  });

  it("a value of the wrong type in any field gets 400 naming that field; nothing is stored", async () => {
    let checked = 0;
    await nothingWritten(objectBodyOps(), async (op) => {
      const valid = validBody(f, op);
      for (const [field, schema] of Object.entries(op.jsonBody!.properties ?? {})) {
        const wrong = wrongValue(schema);
        if (wrong === undefined) continue;
        const res = await call(f, op, { as: f.owner, body: { ...(valid as object), [field]: wrong } });
        expect(res.status, show(op, `${field}: ${JSON.stringify(wrong)}`, res)).toBe(400);
        expectError(res, 400, "validation_failed");
        expect(names(res, field), show(op, `${field}: ${JSON.stringify(wrong)}`, res)).toBe(true);
        checked++;
      }
    });
    expect(checked).toBeGreaterThan(100);
  });

  it("an oversized string in any field gets 400 naming that field; nothing is stored", async () => {
    let checked = 0;
    await nothingWritten(objectBodyOps(), async (op) => {
      const valid = validBody(f, op);
      for (const [field, schema] of Object.entries(op.jsonBody!.properties ?? {})) {
        if (!isString(schema)) continue;
        // One past the documented limit; a field without one gets 100,000 characters, which no field needs.
        const oversized = "x".repeat(schema.maxLength !== undefined ? schema.maxLength + 1 : 100_000);
        const res = await call(f, op, { as: f.owner, body: { ...(valid as object), [field]: oversized } });
        expect(res.status, show(op, `${field} of ${oversized.length} characters`, res)).toBe(400);
        expectError(res, 400, "validation_failed");
        expect(names(res, field), show(op, `${field} of ${oversized.length} characters`, res)).toBe(true);
        checked++;
      }
    });
    expect(checked).toBeGreaterThan(50);
  });

  it("every list refuses an absurd `limit` and a garbage `cursor` with 400 naming it; nothing is stored", async () => {
    const lists = ops.filter((op) => op.method === "GET" && op.secured && op.query.some((q) => q.name === "limit" || q.name === "cursor"));
    expect(lists.length).toBeGreaterThan(20);
    await nothingWritten(lists, async (op) => {
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

  it("garbage in any query parameter of a read gets 200 or 400 naming the parameter, never a 5xx", async () => {
    // `limit` and `cursor` have their own sweep above.
    for (const op of ops.filter((o) => o.method === "GET" && o.secured && o.query.length)) {
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

  it("garbage in a path parameter gets 400 or 404 with the error envelope, never a 5xx; nothing is stored", async () => {
    const withParams = ops.filter((op) => op.secured && op.params.length);
    await nothingWritten(withParams, async (op) => {
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

  it("bodies over the limit are refused with 413 before anything is written, with or without Content-Length", async () => {
    const team = ops.find((op) => op.key === "POST /teams")!;
    const huge = "x".repeat(1024 * 1024 + 1);
    await nothingWritten([team], async () => {
      expectError(await call(f, team, { as: f.owner, body: { name: "Big", description: huge } }), 413, "payload_too_large");
      const bytes = new TextEncoder().encode(JSON.stringify({ name: "Streamed", description: huge }));
      const stream = new ReadableStream<Uint8Array>({
        start(controller) {
          for (let i = 0; i < bytes.length; i += 64 * 1024) controller.enqueue(bytes.slice(i, i + 64 * 1024));
          controller.close();
        },
      });
      const streamed = await SELF.fetch(`${BASE}/api/v1/teams`, {
        method: "POST",
        headers: { "content-type": "application/json", cookie: f.owner.cookie, "x-csrf-token": f.owner.csrf },
        body: stream,
      });
      expect(streamed.status).toBe(413);
      expect(((await streamed.json()) as any).error.code).toBe("payload_too_large");
    });
  });
});
