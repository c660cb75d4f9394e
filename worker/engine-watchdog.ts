import { tenantsWithEngineWork } from "./db/repo/platform/engine-tenants";
import { tenantRuns } from "./durable/client";
import { unwrap } from "./durable/result";
import type { Env } from "./env";
import { errorFields, log } from "./lib/log";
import { allShardDbs } from "./db/shards";

/** Objects visited by one tick at most; a larger fleet is covered in turns (`watchdogSlice`). */
const MAX_VISITS_PER_TICK = 500;
/** Visits in flight at once. */
const CONCURRENCY = 10;

/**
 * Every `n`-th tenant of `tenants` for this tick, so that each tick visits at most `max` and consecutive ticks
 * cover all of them. Pure: the caller passes the tick (minutes since the epoch).
 */
export function watchdogSlice<T>(tenants: T[], max: number, tick: number): T[] {
  if (tenants.length <= max) return tenants;
  const turns = Math.ceil(tenants.length / max);
  return tenants.filter((_, i) => i % turns === tick % turns);
}

/**
 * The Worker's minute cron: visits the run engine of every tenant with alarm-driven work (unfinished runs, scheduled
 * pipelines) and lets it check that its alarm is still coming (TenantRuns.wake). An alarm is the only thing that
 * moves a run between tool calls and fires schedules, and the runtime can lose one (docs/engine.md#lost-alarms);
 * this bounds what a lost alarm costs to the grace period plus a minute.
 */
export async function runEngineWatchdog(env: Env, scheduledTime: number) {
  // Every shard's tenants: each shard answers for its own (a shard holds a tenant's rows only while the map says so).
  const tenants = (await Promise.all(allShardDbs(env).map(({ db }) => tenantsWithEngineWork(db)))).flat().sort();
  const visit = watchdogSlice(tenants, MAX_VISITS_PER_TICK, Math.floor(scheduledTime / 60_000));
  let revived = 0;
  let failed = 0;
  let next = 0;
  const lane = async () => {
    while (next < visit.length) {
      const tenantId = visit[next++];
      try {
        if (unwrap(await tenantRuns(env, tenantId).wake(tenantId)).revived) revived++;
      } catch (err) {
        // One tenant's object failing must not stop the visits to the others.
        failed++;
        log.with({ tenantId }).error("engine watchdog visit failed", errorFields(err));
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(CONCURRENCY, visit.length) }, lane));
  const result = { tenants: tenants.length, visited: visit.length, revived, failed };
  if (revived || failed) log.warn("engine watchdog", result);
  return result;
}
