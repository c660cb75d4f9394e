import { sha256Hex } from "../lib/hash";
import type { NormalizedSpec } from "./spec";

/** JSON with object keys sorted at every level and undefined members dropped: equal meaning, equal text. */
export function canonicalJson(value: unknown): string {
  if (value === null || typeof value !== "object") return JSON.stringify(value) ?? "null";
  if (Array.isArray(value)) return `[${value.map((v) => (v === undefined ? "null" : canonicalJson(v))).join(",")}]`;
  const entries = Object.entries(value as Record<string, unknown>)
    .filter(([, v]) => v !== undefined)
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(",")}}`;
}

/**
 * SHA-256 (hex) of the normalized spec's canonical JSON. Hashing the normalized form means comments,
 * key order, YAML vs JSON and spelled-out defaults do not create new versions.
 */
export function contentHash(spec: NormalizedSpec): Promise<string> {
  return sha256Hex(canonicalJson(spec));
}
