import type { ConnectionKind } from "../connectors/registry";
import { detailsFromIssues, type ErrorDetail } from "./errors";

/** Checks a connection's non-secret config against its kind; errors are reported under `config.<path>`. */
export function checkConfig(kind: ConnectionKind, config: unknown): { config: Record<string, unknown>; details: ErrorDetail[] } {
  const parsed = kind.configSchema.safeParse(config);
  if (parsed.success) return { config: parsed.data, details: [] };
  return { config: {}, details: detailsFromIssues(parsed.error.issues, ["config"]) };
}

/**
 * Checks the secret field names, and the values' shape where the kind can (a key file's fields); messages never
 * repeat a value.
 * `complete` demands every required field (creation); rotation may send any subset.
 */
export function checkSecretFields(kind: ConnectionKind, secrets: Record<string, string>, complete: boolean): ErrorDetail[] {
  const known = new Set([...kind.secretFields, ...kind.optionalSecretFields]);
  const details: ErrorDetail[] = [];
  if (complete) {
    for (const field of kind.secretFields) {
      if (!(field in secrets)) details.push({ path: `secrets.${field}`, message: "required" });
    }
  }
  for (const field of Object.keys(secrets)) {
    if (!known.has(field)) {
      details.push({ path: `secrets.${field}`, message: `unknown field; ${kind.kind} takes ${[...known].join(", ") || "no secrets"}` });
    }
  }
  details.push(...(kind.connector?.secretProblems?.(secrets) ?? []));
  return details;
}
