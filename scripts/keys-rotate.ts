/**
 * `npm run keys:rotate -- --local [--persist-to DIR] | --remote  [--dry-run]`: moves every stored secret (connection
 * secrets, pipeline webhook secrets, SSO client secrets, authenticator-app secrets: `sealedColumns`) under the newest master key, so older keys can leave `TUTTI_MASTER_KEY`.
 *
 * The key ring comes from `TUTTI_MASTER_KEY` in the environment (or `.dev.vars` with --local), newest key first, old
 * keys still in it. Only data keys are unwrapped and wrapped again (`rewrap`); no secret is decrypted. Each row is
 * written with a compare-and-swap on its old value, so a secret rotated by a user meanwhile is left alone (run the
 * command again to pick it up). It ends by counting secrets per key version and saying whether old keys can go.
 * See docs/security.md ("Rotating the master key").
 */
import { existsSync, readFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { secretAad } from "../worker/db/repo/connections/connections";
import { webhookSecretAad } from "../worker/db/repo/pipelines/webhook-secrets";
import { clientSecretAad } from "../worker/db/repo/sso/config";
import { totpSecretAad } from "../worker/db/repo/accounts/mfa-factors";
import { CONTROL_BINDING, d1Binding, shardNames } from "../worker/db/shards";
import type { Env } from "../worker/env";
import { type Envelope, type KeyRing, loadKeyRing, rewrap } from "../worker/lib/envelope";
import { commandLine, type ProxyTarget, withPlatformProxy } from "./lib/platform-proxy";

const root = resolve(dirname(fileURLToPath(import.meta.url)), "..");

type Db = { DB: D1Database; TENANT_SHARDS?: string };

/**
 * Every database a sealed column can have rows on: the control database (people's and SSO secrets, and everything
 * in a deployment without shards) and each shard (tenants' connection and webhook secrets). Each is swept for every
 * column: a table of the other side is simply empty there.
 */
function databases(env: Db): D1Database[] {
  return [...new Set([CONTROL_BINDING, ...shardNames(env as unknown as Env)])].map((name) => d1Binding(env as unknown as Env, name));
}

type Row = { tenant_id: string; id: string; value: string };

/**
 * A column holding sealed secrets. The command re-wraps every one listed here, so a new sealed column must be added
 * (test/cli/keys-rotate.test.ts seals one of each).
 */
interface SealedColumn {
  table: string;
  /**
   * The column naming the row's tenant, or a SQL literal for tables of people's accounts, which belong to no tenant
   * (default `tenant_id`).
   */
  tenantColumn?: string;
  /** The row's own id beside tenant_id (the two are its key). */
  idColumn: string;
  column: string;
  /** The envelopes in a stored value, each under the name it is written back with, and its additional data. */
  read(tenantId: string, id: string, value: string): Array<{ field: string; envelope: Envelope; aad: string }>;
  write(rewrapped: Record<string, Envelope>): string;
}

export const sealedColumns: SealedColumn[] = [
  {
    table: "connections",
    idColumn: "id",
    column: "secrets",
    read: (tenantId, id, value) =>
      Object.entries(JSON.parse(value) as Record<string, Envelope>).map(([field, envelope]) => ({ field, envelope, aad: secretAad(tenantId, id, field) })),
    write: (rewrapped) => JSON.stringify(rewrapped),
  },
  {
    table: "pipeline_webhook_secrets",
    idColumn: "pipeline_id",
    column: "secret",
    read: (tenantId, id, value) => [{ field: "secret", envelope: JSON.parse(value) as Envelope, aad: webhookSecretAad(tenantId, id) }],
    write: (rewrapped) => JSON.stringify(rewrapped.secret),
  },
  {
    // One row per workspace with single sign-on, keyed by the tenant alone.
    table: "sso_configs",
    idColumn: "tenant_id",
    column: "client_secret",
    read: (tenantId, _id, value) => [{ field: "client_secret", envelope: JSON.parse(value) as Envelope, aad: clientSecretAad(tenantId) }],
    write: (rewrapped) => JSON.stringify(rewrapped.client_secret),
  },
  {
    // A person's authenticator-app secret: keyed by the account alone.
    table: "user_totp",
    tenantColumn: "''",
    idColumn: "user_id",
    column: "secret",
    read: (_tenantId, id, value) => [{ field: "secret", envelope: JSON.parse(value) as Envelope, aad: totpSecretAad(id) }],
    write: (rewrapped) => JSON.stringify(rewrapped.secret),
  },
];

const tenantOf = (c: SealedColumn) => c.tenantColumn ?? "tenant_id";

// A column may be empty (a workspace whose SSO has no client secret yet): nothing to re-wrap there.
const select = (c: SealedColumn, also = "") =>
  `SELECT ${tenantOf(c)} AS tenant_id, ${c.idColumn} AS id, ${c.column} AS value FROM ${c.table} WHERE ${c.column} IS NOT NULL${also}`;

async function query<T>(db: D1Database, sql: string, ...binds: unknown[]): Promise<T[]> {
  return (
    await db
      .prepare(sql)
      .bind(...binds)
      .all<T>()
  ).results;
}

/** Secrets per master-key version across every sealed column. */
export function countByVersion(target: ProxyTarget): Promise<Map<number, number>> {
  return withPlatformProxy<Db, Map<number, number>>(target, (env) => countIn(databases(env)));
}

async function countIn(dbs: D1Database[]): Promise<Map<number, number>> {
  const counts = new Map<number, number>();
  for (const db of dbs)
    for (const c of sealedColumns) {
      for (const row of await query<Row>(db, select(c))) {
        for (const { envelope } of c.read(row.tenant_id, row.id, row.value)) counts.set(envelope.v, (counts.get(envelope.v) ?? 0) + 1);
      }
    }
  return counts;
}

/**
 * Re-wraps every secret not under the ring's newest key; returns how many rows and secrets changed. The totals live
 * outside the proxied work and grow only once a page's writes are confirmed, so a run that starts again on a fresh
 * proxy (withPlatformProxy) neither loses nor counts twice what the first one wrote: rows it re-wrapped are under
 * the newest key by then and are skipped.
 */
export async function rotateKeys(target: ProxyTarget, keyRing: string, opts: { dryRun?: boolean; pageSize?: number } = {}) {
  const ring = await loadKeyRing(keyRing);
  const totals = { rows: 0, secrets: 0 };
  await withPlatformProxy<Db, void>(target, async (env) => {
    // A dry run writes nothing, so a run started again counts everything again.
    if (opts.dryRun) Object.assign(totals, { rows: 0, secrets: 0 });
    for (const db of databases(env)) for (const c of sealedColumns) await rotateColumn(db, ring, c, opts.pageSize ?? 500, opts.dryRun ?? false, totals);
  });
  return { ...totals, current: ring.current.version };
}

async function rotateColumn(db: D1Database, ring: KeyRing, c: SealedColumn, pageSize: number, dryRun: boolean, totals: { rows: number; secrets: number }) {
  let after = { tenant: "", id: "" };
  for (;;) {
    const page = await query<Row>(
      db,
      `${select(c, ` AND (${tenantOf(c)}, ${c.idColumn}) > (?, ?)`)} ORDER BY ${tenantOf(c)}, ${c.idColumn} LIMIT ?`,
      after.tenant,
      after.id,
      pageSize,
    );
    if (!page.length) break;
    after = { tenant: page.at(-1)!.tenant_id, id: page.at(-1)!.id };
    const updates: D1PreparedStatement[] = [];
    let secrets = 0;
    for (const row of page) {
      const rewrapped: Record<string, Envelope> = {};
      let changed = 0;
      for (const { field, envelope, aad } of c.read(row.tenant_id, row.id, row.value)) {
        rewrapped[field] = await rewrap(ring, envelope, aad);
        if (rewrapped[field] !== envelope) changed++;
      }
      if (!changed) continue;
      secrets += changed;
      // Compare-and-swap on the old value: a secret changed by a user meanwhile is left for the next run.
      updates.push(
        db
          .prepare(`UPDATE ${c.table} SET ${c.column} = ? WHERE ${tenantOf(c)} = ? AND ${c.idColumn} = ? AND ${c.column} = ?`)
          .bind(c.write(rewrapped), row.tenant_id, row.id, row.value),
      );
    }
    // One page's updates in one batch: D1 applies a batch as one transaction.
    if (updates.length && !dryRun) await db.batch(updates);
    totals.rows += updates.length;
    totals.secrets += secrets;
  }
}

function keyRingFromDevVars(): string | undefined {
  const file = join(root, ".dev.vars");
  if (!existsSync(file)) return undefined;
  return /^\s*TUTTI_MASTER_KEY\s*=\s*"?([^"\n]+)"?/m.exec(readFileSync(file, "utf8"))?.[1];
}

async function main() {
  const { target, values } = commandLine("usage: npm run keys:rotate -- --local [--persist-to DIR] | --remote  [--dry-run]", {
    "dry-run": { type: "boolean" },
  });
  const keyRing = process.env.TUTTI_MASTER_KEY ?? (values.local ? keyRingFromDevVars() : undefined);
  if (!keyRing) {
    console.error("TUTTI_MASTER_KEY is not set: give the whole ring, newest key first, e.g. TUTTI_MASTER_KEY='2:<new>,1:<old>'");
    process.exit(2);
  }
  const done = await rotateKeys(target, keyRing, { dryRun: values["dry-run"] });
  console.log(`${values["dry-run"] ? "Would re-wrap" : "Re-wrapped"} ${done.secrets} secret(s) in ${done.rows} row(s) under key ${done.current}.`);
  const counts = await countByVersion(target);
  const older = [...counts].filter(([v]) => v !== done.current);
  for (const [v, n] of [...counts].sort(([a], [b]) => b - a)) console.log(`  key ${v}: ${n} secret(s)`);
  if (older.length) console.log(`Secrets remain under key(s) ${older.map(([v]) => v).join(", ")}: run the command again before removing them.`);
  else console.log(`No secret needs an older key: keep only key ${done.current} in TUTTI_MASTER_KEY.`);
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  main().catch((err) => {
    console.error(err instanceof Error ? err.message : err);
    process.exit(1);
  });
}
