import { ScimError } from "./errors";

/**
 * PATCH operations (RFC 7644 §3.5.2) as the clients send them, normalised: `op` case-insensitive (Entra sends
 * "Replace", "Add", "Remove"), a path-less op's value object split into one op per attribute (Entra's dotted keys
 * like "name.givenName" included), attribute names lowercased.
 */
export interface PatchOp {
  op: "add" | "replace" | "remove";
  /** Lowercased attribute path, e.g. `active`, `name.givenname`, `members`, or `members[value eq "…"]` kept as `members` with `filterValue`. */
  path: string;
  value: unknown;
  /** For `members[value eq "x"]`: x. */
  filterValue?: string;
}

const MEMBER_FILTER = /^members\[\s*value\s+eq\s+"([^"]*)"\s*\]$/i;

export function normalisePatch(body: unknown): PatchOp[] {
  const b = body as { schemas?: unknown; Operations?: unknown; operations?: unknown };
  const ops = b?.Operations ?? b?.operations;
  if (!Array.isArray(ops) || ops.length === 0) throw new ScimError(400, "a PatchOp needs a non-empty Operations array", "invalidSyntax");
  const out: PatchOp[] = [];
  for (const raw of ops as Array<{ op?: unknown; path?: unknown; value?: unknown }>) {
    const op = typeof raw?.op === "string" ? raw.op.toLowerCase() : "";
    if (op !== "add" && op !== "replace" && op !== "remove") throw new ScimError(400, `unknown op "${String(raw?.op)}"`, "invalidSyntax");
    if (typeof raw.path === "string" && raw.path.trim() !== "") {
      const path = raw.path.trim();
      const member = MEMBER_FILTER.exec(path);
      if (member) out.push({ op, path: "members", value: raw.value, filterValue: member[1] });
      else out.push({ op, path: path.toLowerCase(), value: raw.value });
      continue;
    }
    if (op === "remove") throw new ScimError(400, "remove needs a path", "noTarget");
    if (typeof raw.value !== "object" || raw.value === null || Array.isArray(raw.value))
      throw new ScimError(400, "an op without a path needs an object value", "invalidSyntax");
    for (const [key, value] of Object.entries(raw.value as Record<string, unknown>)) {
      if (key.toLowerCase() === "name" && typeof value === "object" && value !== null) {
        for (const [sub, v] of Object.entries(value as Record<string, unknown>)) out.push({ op, path: `name.${sub.toLowerCase()}`, value: v });
      } else out.push({ op, path: key.toLowerCase(), value });
    }
  }
  return out;
}

/** SCIM booleans as Entra sends them by default: "True"/"False" strings, besides real booleans. */
export function scimBoolean(value: unknown, attribute: string): boolean {
  if (typeof value === "boolean") return value;
  if (typeof value === "string" && /^(true|false)$/i.test(value)) return value.toLowerCase() === "true";
  throw new ScimError(400, `${attribute} must be a boolean`, "invalidValue");
}

export function scimString(value: unknown, attribute: string): string | null {
  if (value === null || value === undefined) return null;
  if (typeof value === "string") return value;
  throw new ScimError(400, `${attribute} must be a string`, "invalidValue");
}
