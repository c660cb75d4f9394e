import type { ConnectionKind } from "../connectors/registry";
import type { ErrorDetail } from "./errors";
import { isHttpUrl, isLocalEnv, originOf } from "./urls";

/**
 * Where a connection sends its secrets is decided by its kind's host fields (registry.ts). These checks keep that
 * destination honest: https outside local development, a destination for every secret that leaves Tutti, and no
 * silent re-pointing of stored secrets at another host.
 */

export interface DestinationChange {
  /** `config.base_url` */
  field: string;
  /** The origin for URL fields, the value otherwise (a Snowflake account); null when unset. Never a secret. */
  from: string | null;
  to: string | null;
}

function destination(value: unknown): string | null {
  if (typeof value !== "string" || value === "") return null;
  return originOf(value) ?? value;
}

/** Host fields of the config whose destination differs between `before` and `after` (a path change on one origin is no move). */
export function changedDestinations(kind: ConnectionKind, before: Record<string, unknown>, after: Record<string, unknown>): DestinationChange[] {
  return kind.hostFields.config.flatMap((field) => {
    const from = destination(before[field]);
    const to = destination(after[field]);
    return from === to ? [] : [{ field: `config.${field}`, from, to }];
  });
}

/** Secret fields that are sent somewhere (everything but the signing secrets other tools use to call Tutti). */
export function outboundSecretFields(kind: ConnectionKind, names: Iterable<string>): string[] {
  return [...names].filter((name) => !kind.inboundSecretFields.includes(name)).sort();
}

function urlProblem(value: string, tuttiEnv: string | undefined, hosts?: ConnectionKind["destinationHosts"]): string | null {
  if (!isHttpUrl(value)) return "must be an http(s) URL";
  if (isLocalEnv(tuttiEnv)) return null;
  if (new URL(value).protocol !== "https:") return "must be an https:// URL (plain http is allowed only in local development)";
  if (hosts && !hosts.pattern.test(new URL(value).hostname)) return `must be ${hosts.description}`;
  return null;
}

/**
 * Problems with where a connection would send its secrets, named by field: URL host fields (config and secret) must
 * be https outside local development (and at the kind's own hosts when it names them), and a connection with outbound secrets needs a destination to send them to.
 * `secretValues` holds only the values sent in this request; `secretNames` every field set after it.
 */
export function destinationProblems(
  kind: ConnectionKind,
  config: Record<string, unknown>,
  secretNames: Iterable<string>,
  secretValues: Record<string, string>,
  tuttiEnv: string | undefined,
): ErrorDetail[] {
  const details: ErrorDetail[] = [];
  for (const field of kind.hostFields.config) {
    const value = config[field];
    if (typeof value !== "string" || !/^[a-z][a-z0-9+.-]*:/i.test(value)) continue;
    const problem = urlProblem(value, tuttiEnv, kind.destinationHosts);
    if (problem) details.push({ path: `config.${field}`, message: problem });
  }
  for (const field of kind.hostFields.secrets) {
    const value = secretValues[field];
    // The value is a secret: the message names the field and never repeats it.
    const problem = value === undefined ? null : urlProblem(value, tuttiEnv);
    if (problem) details.push({ path: `secrets.${field}`, message: problem });
  }
  const outbound = outboundSecretFields(kind, secretNames);
  const hasDestination = kind.hostFields.config.some((f) => destination(config[f]) !== null) || kind.hostFields.secrets.length > 0;
  if (outbound.length && kind.hostFields.config.length && !hasDestination) {
    const field = kind.hostFields.config[0];
    details.push({ path: `config.${field}`, message: `required while the connection has secrets (${outbound.join(", ")}): they are sent only to this origin` });
  }
  return details;
}
