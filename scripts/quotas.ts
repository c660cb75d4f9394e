/**
 * `npm run quotas -- --local | --remote [--persist-to DIR] --tenant <slug or id> [--storage-bytes N] [--objects N]
 * [--ingest-per-minute N] [--reset]`: shows one tenant's quotas with its current use, and changes them.
 *
 * Operators only: it writes the D1 database of wrangler.toml directly through wrangler's platform proxy (local state,
 * or with --remote the deployed database: needs `wrangler login` or CLOUDFLARE_API_TOKEN); no API route can.
 * `--storage-bytes default` (or any quota set to `default`) returns that quota to the default; `--reset` all of them.
 * The Worker reads quotas on every write, so a change applies at once. See docs/operations.md.
 */
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { getPlatformProxy, unstable_readConfig } from "wrangler";
import { createDb, tenantCtx } from "../worker/db/client";
import { listUsage, quotaState, setQuotaOverrides, type QuotaOverrides } from "../worker/db/repo/platform/storage-usage";
import { DEFAULT_INGEST_PER_MIN } from "../worker/middleware/tenant-rate-limit";
import { storageQuotasOf } from "../worker/retention/storage-quota";

const root = resolve(dirname(fileURLToPath(import.meta.url)), "..");
const usage =
  "usage: npm run quotas -- --local [--persist-to DIR] | --remote  --tenant <slug|id> [--storage-bytes N|default] [--objects N|default] [--ingest-per-minute N|default] [--reset]";

/** A config with only the DB binding, marked remote or local. */
function dbConfig(remote: boolean): string {
  const config = unstable_readConfig({ config: join(root, "wrangler.toml") });
  const db = config.d1_databases.find((d: { binding: string }) => d.binding === "DB");
  if (!db) throw new Error("wrangler.toml needs the DB (D1) binding");
  const dir = mkdtempSync(join(tmpdir(), "tutti-quotas-"));
  const file = join(dir, "wrangler.json");
  writeFileSync(
    file,
    JSON.stringify({
      name: config.name,
      compatibility_date: config.compatibility_date,
      d1_databases: [{ binding: "DB", database_name: db.database_name, database_id: db.database_id, remote }],
    }),
  );
  return file;
}

/** `N` → N (a positive integer), `default` → null (back to the default), absent → undefined (unchanged). */
export function quotaArg(name: string, value: string | undefined): number | null | undefined {
  if (value === undefined) return undefined;
  if (value === "default") return null;
  const n = Number(value);
  if (!Number.isSafeInteger(n) || n <= 0) throw new Error(`--${name} must be a positive whole number or "default", not ${JSON.stringify(value)}`);
  return n;
}

async function main() {
  const { values } = parseArgs({
    options: {
      local: { type: "boolean" },
      remote: { type: "boolean" },
      "persist-to": { type: "string" },
      tenant: { type: "string" },
      "storage-bytes": { type: "string" },
      objects: { type: "string" },
      "ingest-per-minute": { type: "string" },
      reset: { type: "boolean" },
    },
  });
  if (values.local === values.remote || (values.remote && values["persist-to"]) || !values.tenant) {
    console.error(usage);
    process.exit(2);
  }
  const change: Partial<Omit<QuotaOverrides, "updatedAt">> = values.reset
    ? { storageBytes: null, objects: null, ingestPerMinute: null }
    : {
        storageBytes: quotaArg("storage-bytes", values["storage-bytes"]),
        objects: quotaArg("objects", values.objects),
        ingestPerMinute: quotaArg("ingest-per-minute", values["ingest-per-minute"]),
      };
  for (const key of Object.keys(change) as Array<keyof typeof change>) if (change[key] === undefined) delete change[key];

  const configPath = dbConfig(!!values.remote);
  const persist = { path: join(resolve(values["persist-to"] ?? join(root, ".wrangler/state")), "v3") };
  const proxy = await getPlatformProxy<{ DB: D1Database }>({ configPath, persist, remoteBindings: !!values.remote });
  try {
    const db = createDb(proxy.env.DB);
    const tenant = await proxy.env.DB.prepare("SELECT id, slug, name FROM tenants WHERE id = ?1 OR slug = ?1")
      .bind(values.tenant)
      .first<{ id: string; slug: string; name: string }>();
    if (!tenant) throw new Error(`no tenant with the id or slug ${JSON.stringify(values.tenant)}`);
    if (Object.keys(change).length) await setQuotaOverrides(db, tenant.id, change, Date.now());
    const ctx = tenantCtx(db, tenant.id);
    const state = await quotaState(ctx);
    const storage = storageQuotasOf(state.overrides);
    const mark = (v: number | null) => (v === null ? " (default)" : "");
    console.log(`${tenant.name} (${tenant.slug}, ${tenant.id})`);
    console.log(`  storage bytes      ${state.bytes} of ${storage.storageBytes}${mark(state.overrides.storageBytes)}`);
    console.log(`  objects            ${state.objects} of ${storage.objects}${mark(state.overrides.objects)}`);
    console.log(
      `  ingest per minute  ${state.overrides.ingestPerMinute ?? `RATE_LIMIT_INGEST_PER_MIN (${DEFAULT_INGEST_PER_MIN} unless set)`}${mark(state.overrides.ingestPerMinute)}`,
    );
    for (const row of await listUsage(ctx))
      console.log(`  ${row.kind.padEnd(18)} ${row.objects} stored (${row.bytes} bytes); retention removed ${row.removedObjects} (${row.removedBytes} bytes)`);
  } finally {
    await proxy.dispose();
    rmSync(dirname(configPath), { recursive: true, force: true });
  }
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  main().catch((err) => {
    console.error(err instanceof Error ? err.message : err);
    process.exit(1);
  });
}
