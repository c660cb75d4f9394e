import { describe, expect, it } from "vitest";
import { expectError } from "../helpers/api";
import { badInputFixture, isString, names, show, wrongValue } from "../helpers/bad-input";
import { call, validBody } from "../helpers/sweep";

/**
 * Bad input, swept over every operation of the OpenAPI document (see bad-input-bodies.test.ts): here, one field of a
 * valid body at a time — a value of the wrong type, an oversized string. 400 naming that field; nothing is stored.
 */

const sweep = badInputFixture();

describe("bad input sweep over the OpenAPI document: fields", { timeout: 300_000 }, () => {
  it("a value of the wrong type in any field gets 400 naming that field; nothing is stored", async () => {
    const { f } = sweep;
    let checked = 0;
    await sweep.nothingWritten(sweep.objectBodyOps(), async (op) => {
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
    const { f } = sweep;
    let checked = 0;
    await sweep.nothingWritten(sweep.objectBodyOps(), async (op) => {
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
});
