import type { ErrorDetail } from "../lib/errors";

/**
 * Params a webhook delivery may set: the body's fields must be params the pipeline declares (`params:` in its spec),
 * each of the JSON type of its declared default (a default of null takes any value). Pure; the webhook receiver
 * answers 400 with these details.
 */
export function webhookParamErrors(declared: Record<string, unknown>, body: Record<string, unknown>): ErrorDetail[] {
  const out: ErrorDetail[] = [];
  for (const [key, value] of Object.entries(body)) {
    const path = `body.${key}`;
    if (!Object.hasOwn(declared, key)) {
      const known = Object.keys(declared);
      out.push({ path, message: `not a param of this pipeline; declared: ${known.length ? known.join(", ") : "(none)"}` });
      continue;
    }
    const expected = jsonType(declared[key]);
    if (expected !== "null" && jsonType(value) !== expected)
      out.push({ path, message: `must be ${article(expected)} (like the declared default), not ${article(jsonType(value))}` });
  }
  return out;
}

type JsonType = "null" | "boolean" | "number" | "string" | "array" | "object";

function jsonType(value: unknown): JsonType {
  if (value === null) return "null";
  if (Array.isArray(value)) return "array";
  return typeof value as JsonType;
}

const article = (type: JsonType) => (type === "array" || type === "object" ? `an ${type}` : type === "null" ? "null" : `a ${type}`);
