import { utf8 } from "./encoding";

/**
 * The one table of id prefixes. Ids are either random (`newId`) or derived from what identifies the object
 * (`derivedId`); both are the prefix, `_`, and 20 base-36 characters (≈ 103 bits).
 */
const prefixes = {
  user: "usr",
  tenant: "tnt",
  team: "team",
  session: "ses",
  invitation: "inv",
  token: "tok",
  connection: "conn",
  audit: "aud",
  request: "req",
  pipeline: "pl",
  pipelineVersion: "plv",
  run: "run",
  taskRun: "tr",
  event: "evt",
  webhook: "wh",
  dataset: "ds",
  job: "job",
  product: "dp",
  cost: "cost",
  alert: "alr",
  channel: "ch",
  rule: "rule",
  delivery: "dlv",
  artifact: "art",
  environment: "env",
  lineageEvent: "olev",
  qualityResult: "qr",
  dbtProject: "dbtp",
  dbtUpload: "dbtu",
  backfill: "bf",
  budget: "bgt",
  usageEvent: "use",
  jobRun: "jrun",
  tenantExport: "exp",
  mail: "mail",
  collectorRun: "colr",
  ssoMapping: "ssom",
  scimUser: "scu",
  scimGroup: "scg",
  share: "shr",
  subscription: "sub",
  unusedAction: "uact",
} as const;
export type IdKind = keyof typeof prefixes;

const alphabet = "0123456789abcdefghijklmnopqrstuvwxyz";

/** Random string from a 36-letter alphabet; rejection sampling keeps it uniform. */
export function randomString(length: number): string {
  let out = "";
  while (out.length < length) {
    const bytes = crypto.getRandomValues(new Uint8Array(length * 2));
    for (const b of bytes) {
      if (b < 252 && out.length < length) out += alphabet[b % 36];
    }
  }
  return out;
}

/** Prefixed random id: `newId("run")` → `run_3k9…` (20 random chars ≈ 103 bits). */
export function newId(kind: IdKind): string {
  return `${prefixes[kind]}_${randomString(20)}`;
}

/**
 * Deterministic id of `kind` from the parts that identify the object: the same parts always give the same id, so
 * concurrent writers of one object (a dataset reported by OpenLineage and by dbt, one alert transition to one
 * channel) agree on its id without a lookup, and a unique key on the id makes the second write a no-op. Callers
 * put the tenant among the parts so ids reveal nothing across tenants.
 */
export async function derivedId(kind: IdKind, parts: string[]): Promise<string> {
  // NUL cannot occur inside the parts' JSON-sourced strings in a way that makes two tuples collide.
  const digest = new Uint8Array(await crypto.subtle.digest("SHA-256", utf8(parts.join("\u0000"))));
  let out = "";
  for (let i = 0; out.length < 20; i++) out += alphabet[digest[i] % 36];
  return `${prefixes[kind]}_${out}`;
}
