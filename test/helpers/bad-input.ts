import { beforeAll } from "vitest";
import { assertNothingWritten, fixtureTenant, operations, validBody, type FixtureTenant, type JsonSchema, type Operation } from "./sweep";

/**
 * What the bad-input sweeps share (test/integration/bad-input-*.test.ts). The sweeps are split over several files
 * because a runtime's requests get slower the more of them it has served (see docs/testing.md, "Where the time
 * goes"): each file gets its own runtime and fixture tenant, and the two vitest workers share the files.
 */
export function badInputFixture() {
  const state = {} as { ops: Operation[]; f: FixtureTenant };
  beforeAll(async () => {
    state.ops = await operations();
    state.f = await fixtureTenant();
  }, 180_000);
  return {
    get ops() {
      return state.ops;
    },
    get f() {
      return state.f;
    },
    jsonOps: () => state.ops.filter((op) => op.jsonBody),
    /** Operations whose valid body is an object, so a field of it can be replaced (array bodies have their own checks). */
    objectBodyOps: () => state.ops.filter((op) => op.jsonBody && !Array.isArray(validBody(state.f, op))),
    nothingWritten: (list: Operation[], calls: (op: Operation) => Promise<void>) => assertNothingWritten(state.f.owner.tenant.id, list, calls),
  };
}

export const paths = (res: { json: any }): string[] => (res.json?.error?.details ?? []).map((d: { path: string }) => d.path);
/** A detail names `field` itself or something inside it. */
export const names = (res: { json: any }, field: string) => paths(res).some((p) => p === field || p.startsWith(`${field}.`) || p.startsWith(`${field}[`));
export const show = (op: Operation, what: string, res: { status: number; text: string }) => `${op.key} ${what}: ${res.status} ${res.text.slice(0, 300)}`;

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
export function wrongValue(s: JsonSchema): unknown {
  const types = typesOf(s);
  if (!types.size) return undefined;
  const accepts = (v: unknown) => types.has(jsonType(v)) || (jsonType(v) === "integer" && types.has("number"));
  return [12345, "not-of-this-type", true, ["x"], { x: 1 }].find((v) => !accepts(v));
}

export const isString = (s: JsonSchema) => typesOf(s).has("string") && !s.enum && !(s.anyOf ?? s.oneOf)?.some((x) => x.enum);
