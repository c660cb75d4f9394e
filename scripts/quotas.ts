import { resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { tenantContext } from "../worker/db/shards";
import type { Env } from "../worker/env";
import { listUsage, quotaState, setQuotaOverrides, type QuotaOverrides } from "../worker/db/repo/platform/storage-usage";
import { DEFAULT_INGEST_PER_MIN } from "../worker/middleware/tenant-rate-limit";
import { storageQuotasOf } from "../worker/retention/storage-quota";
import { commandLine, withPlatformProxy } from "./lib/platform-proxy";

const usage =
  "usage: npm run quotas -- --local [--persist-to DIR] | --remote  --tenant <slug|id> [--storage-bytes N|default] [--objects N|default] [--ingest-per-minute N|default] [--reset]";

/** `N` → N (a positive integer), `default` → null (back to the default), absent → undefined (unchanged). */
export function quotaArg(name: string, value: string | undefined): number | null | undefined {
  if (value === undefined) return undefined;
  if (value === "default") return null;
  const n = Number(value);
  if (!Number.isSafeInteger(n) || n <= 0) throw new Error(`--${name} must be a positive whole number or "default", not ${JSON.stringify(value)}`);
  return n;
}

async function main() {
  const { target, values } = commandLine(
    usage,
    {
      tenant: { type: "string" },
      "storage-bytes": { type: "string" },
      objects: { type: "string" },
      "ingest-per-minute": { type: "string" },
      reset: { type: "boolean" },
    },
    ["tenant"],
  );
  const change: Partial<Omit<QuotaOverrides, "updatedAt">> = values.reset
    ? { storageBytes: null, objects: null, ingestPerMinute: null }
    : {
        storageBytes: quotaArg("storage-bytes", values["storage-bytes"]),
        objects: quotaArg("objects", values.objects),
        ingestPerMinute: quotaArg("ingest-per-minute", values["ingest-per-minute"]),
      };
  for (const key of Object.keys(change) as Array<keyof typeof change>) if (change[key] === undefined) delete change[key];

  await withPlatformProxy<{ DB: D1Database; TENANT_SHARDS?: string }, void>(target, async (env) => {
    const tenant = await env.DB.prepare("SELECT id, slug, name FROM tenants WHERE id = ?1 OR slug = ?1")
      .bind(values.tenant)
      .first<{ id: string; slug: string; name: string }>();
    if (!tenant) throw new Error(`no tenant with the id or slug ${JSON.stringify(values.tenant)}`);
    // The overrides and the usage are the tenant's rows, on its shard (worker/db/shards.ts).
    const ctx = await tenantContext(env as unknown as Env, tenant.id);
    if (Object.keys(change).length) await setQuotaOverrides(ctx.db, tenant.id, change, Date.now());
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
  });
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  main().catch((err) => {
    console.error(err instanceof Error ? err.message : err);
    process.exit(1);
  });
}
