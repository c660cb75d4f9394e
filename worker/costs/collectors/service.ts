import { watchedFetch, type Redactor } from "../../connectors/redact";
import type { TenantCtx } from "../../db/client";
import { datasetsByTableName, storedCostRefs } from "../../db/repo/costs/collector-links";
import { finishCollectorRun, getCollector, type NewCollectorRun } from "../../db/repo/costs/collectors";
import { ingestCosts } from "../../db/repo/costs/ledger-ingest";
import { getCostSettings } from "../../db/repo/costs/settings";
import { ingestUsage, type UsageRow } from "../../db/repo/costs/usage";
import { getConnection, resolveConnectionSecrets, type ResolvedConnection } from "../../db/repo/connections/connections";
import { claimsOfDatasets } from "../../db/repo/products/membership";
import { catalogProducts } from "../../db/repo/products/products";
import type { Env } from "../../env";
import { loadKeyRing, type KeyRing } from "../../lib/envelope";
import { errorFields, log } from "../../lib/log";
import { evaluateBudgets } from "../budgets-service";
import type { CostDraft } from "../draft";
import { monthOfDay } from "../period";
import { biUsageRows, candidateNames, type BiUse } from "./bi-usage";
import { collectorFor } from "./registry";
import type { TableRead } from "./snowflake-map";
import { DAY_MS, nextWindow } from "./window";
import { tenantContext } from "../../db/shards";

/**
 * One pass of a connection's cost collector, run by the tenant's Durable Object when its timer is due
 * (worker/durable/runs/collectors.ts). Each stream reads its next window, writes what it found to the ledger (and
 * usage) with the ledger's dedupe, and advances its watermark; the pass is recorded with what it read and wrote and
 * the error that stopped it. A pass that dies half-way advances nothing: the next one reads the same rows again,
 * which changes nothing already stored.
 */

/** Records per ledger write. */
const INGEST_BATCH = 1000;
/** While a stream is behind (its window did not reach now), the next pass comes this soon. */
export const CATCH_UP_MS = 5_000;
/** After a failed pass, the next one waits at most this long. */
const RETRY_MS = 15 * 60_000;

export interface PassResult {
  /** When the next pass is due; null when the collector is disabled or its connection is gone. */
  nextRunAt: number | null;
  runId: string | null;
}

const emptyRun = (now: number): NewCollectorRun => ({
  startedAt: now,
  finishedAt: now,
  windowFrom: null,
  windowTo: null,
  rowsRead: 0,
  inserted: 0,
  updated: 0,
  unchanged: 0,
  refused: 0,
  usageEvents: 0,
  error: null,
});

/**
 * `passId` is the id the pass is recorded under: the Durable Object names a pass before it runs, so whoever asked for
 * it can follow it (GET /collectors/{id}/runs/{pass id}).
 */
export async function runCollectorPass(
  env: Env,
  tenantId: string,
  connectionId: string,
  now: number,
  options: { passId: string; fetch?: typeof fetch },
): Promise<PassResult> {
  const fetchFn = options.fetch ?? fetch;
  const ctx = await tenantContext(env, tenantId);
  const collectorRow = await getCollector(ctx, connectionId);
  if (!collectorRow?.enabled) return { nextRunAt: null, runId: null };
  // A deleted connection takes its collector with it: no more passes, nothing to record.
  const conn = await getConnection(ctx, connectionId);
  if (!conn || conn.kind !== collectorRow.kind) return { nextRunAt: null, runId: null };
  const collector = collectorFor(collectorRow.kind);
  const settings = collectorRow.settings;
  const watermarks = { ...collectorRow.watermarks };
  const run = emptyRun(now);
  const days = new Set<string>();
  let caughtUp = true;
  // Error text may quote the vendor, which may echo the request: the connection's secrets are taken out of it.
  let redactor: Redactor = watchedFetch(fetchFn, {}).redactor;
  try {
    const keyRing = await loadKeyRing(env.TUTTI_MASTER_KEY);
    const connection = await resolveConnectionSecrets(ctx, keyRing, conn.teamId, conn.name);
    if (!connection) throw new Error("the connection no longer exists");
    const viaId = collector.via?.(settings) ?? null;
    const via = viaId ? await resolveVia(ctx, keyRing, conn.teamId, viaId) : null;
    const watched = watchedFetch(fetchFn, { ...connection.secrets, ...prefixed(via?.secrets ?? {}) });
    redactor = watched.redactor;
    const input = { ctx, connection, via, settings, costs: await getCostSettings(ctx), fetch: watched.fetch };
    for (const stream of collector.streams(settings)) {
      const window = nextWindow(stream, watermarks[stream.name] ?? null, now, settings.lookbackDays * DAY_MS);
      run.windowFrom = Math.min(run.windowFrom ?? window.from, window.from);
      run.windowTo = Math.max(run.windowTo ?? window.to, window.to);
      const out = await stream.read(input, window);
      run.rowsRead += out.rows;
      await writeDrafts(ctx, out.drafts, connection.teamId, now, run, days);
      if (out.reads?.length) run.usageEvents += await writeReads(ctx, out.reads, collector.namespace(connection.config, settings.datasetNamespace));
      if (out.uses?.length) run.usageEvents += await writeUses(ctx, out.uses, settings.productMap ?? {});
      watermarks[stream.name] = window.to;
      caughtUp &&= window.caughtUp;
    }
  } catch (err) {
    run.error = redactor.clean(err instanceof Error ? err.message : String(err)) || "the pass failed";
    log.with({ tenantId }).warn("cost collector pass failed", { connection_id: connectionId, ...errorFields(err) });
  }
  const interval = settings.intervalMinutes * 60_000;
  const nextRunAt = now + (run.error ? Math.min(interval, RETRY_MS) : caughtUp ? interval : CATCH_UP_MS);
  const runId = await finishCollectorRun(ctx, connectionId, options.passId, run, watermarks, nextRunAt);
  if (days.size) await evaluateBudgets(ctx, env.NOTIFY, [...new Set([...days].map(monthOfDay))], now);
  return { nextRunAt, runId };
}

/**
 * The connection a collector reads through, with its secrets: only one of the collector's own team, checked again
 * at each pass (a connection moved to another team since the collector was saved is not read through).
 */
async function resolveVia(ctx: TenantCtx, keyRing: KeyRing, teamId: string, id: string): Promise<ResolvedConnection> {
  const found = await getConnection(ctx, id);
  const via = found && found.teamId === teamId ? await resolveConnectionSecrets(ctx, keyRing, teamId, found.name) : null;
  if (!via) throw new Error(`the connection ${id} the collector reads through no longer exists in the connection's team`);
  return via;
}

/** Secrets of a second connection, under names that cannot replace the first one's (only their values matter). */
const prefixed = (secrets: Record<string, string>) => Object.fromEntries(Object.entries(secrets).map(([k, v]) => [`via.${k}`, v]));

/**
 * Writes drafts in batches for the connection's team: records nothing else attributes are its spend, and a record
 * stored for another team is left as it is (`refused`), as for any team's write. An empty draft (no amount and no
 * usage: an idle hour fully used by queries, a BigQuery cache hit) only corrects a record already stored; it never
 * adds one. Usage at a price of 0 (a rate set to 0) is still recorded, with its quantity.
 */
async function writeDrafts(ctx: TenantCtx, drafts: CostDraft[], teamId: string, now: number, run: NewCollectorRun, days: Set<string>) {
  const zeros = drafts.filter((d) => d.amountMicros === 0 && !d.quantity);
  const stored = new Set<string>();
  for (const source of new Set(zeros.map((d) => d.source))) {
    const refs = zeros.filter((d) => d.source === source).map((d) => d.externalRef);
    for (const ref of await storedCostRefs(ctx, source, refs)) stored.add(`${source}\u0000${ref}`);
  }
  const kept = drafts.filter((d) => d.amountMicros !== 0 || d.quantity || stored.has(`${d.source}\u0000${d.externalRef}`));
  for (let i = 0; i < kept.length; i += INGEST_BATCH) {
    const result = await ingestCosts(ctx, null, kept.slice(i, i + INGEST_BATCH), teamId, now, [teamId]);
    run.inserted += result.inserted;
    run.updated += result.updated;
    run.unchanged += result.unchanged;
    run.refused += result.refused;
    for (const day of result.days) days.add(day);
  }
}

/** Table reads of catalogued datasets → usage events of the products claiming them (none claiming: unassigned). */
async function writeReads(ctx: TenantCtx, reads: TableRead[], namespace: string): Promise<number> {
  const datasets = await datasetsByTableName(
    ctx,
    namespace,
    reads.map((r) => r.table),
  );
  const known = reads.filter((r) => datasets.has(r.table.toUpperCase()));
  if (!known.length) return 0;
  const claims = await claimsOfDatasets(ctx, [...new Set(known.map((r) => datasets.get(r.table.toUpperCase())!))]);
  const rows: UsageRow[] = [];
  for (const r of known) {
    const datasetId = datasets.get(r.table.toUpperCase())!;
    const products = [...new Set((claims.get(datasetId) ?? []).map((c) => c.productId))];
    for (const productId of products.length ? products : [""])
      rows.push({ id: r.eventId, productId, datasetId, consumer: r.consumer, kind: "query", count: 1, at: r.at });
  }
  let stored = 0;
  for (let i = 0; i < rows.length; i += INGEST_BATCH) stored += await ingestUsage(ctx, rows.slice(i, i + INGEST_BATCH));
  return stored;
}

/** BI uses → usage events of the products their names resolve to (./bi-usage.ts); a re-read count replaces the stored one. */
async function writeUses(ctx: TenantCtx, uses: BiUse[], productMap: Record<string, string>): Promise<number> {
  const products = new Map<string, string>();
  for (const { id, name } of await catalogProducts(ctx, candidateNames(uses, productMap))) {
    products.set(id, id);
    products.set(name, id);
  }
  const rows = biUsageRows(uses, productMap, products);
  let stored = 0;
  for (let i = 0; i < rows.length; i += INGEST_BATCH) stored += await ingestUsage(ctx, rows.slice(i, i + INGEST_BATCH), "replace");
  return stored;
}
