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
