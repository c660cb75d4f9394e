import type { Context } from "hono";
import type { AppEnv } from "../../context";
import { tenantRuns } from "../../durable/client";
import { unwrap } from "../../durable/result";
import type { PoolLine, PoolUse } from "../../durable/runs/contract";
import { errorFields, log } from "../../lib/log";

/** Each pool's use, from the tenant's run engine (which holds the slots). */
export async function poolUsage(c: Context<AppEnv>): Promise<PoolUse[]> {
  const tenantId = c.get("principal").tenantId;
  return unwrap(await tenantRuns(c.env, tenantId).poolUsage(tenantId));
}

/** One pool's use and the attempts holding or waiting for its slots, from the tenant's run engine. */
export async function poolLine(c: Context<AppEnv>, name: string): Promise<PoolLine> {
  const tenantId = c.get("principal").tenantId;
  return unwrap(await tenantRuns(c.env, tenantId).poolLine(tenantId, name));
}

/**
 * Tells the run engine that the pools changed in D1, so it admits by the new sizes at once; answers the use after.
 * D1 holds the change already: should the engine not be reached, the watchdog's next visit (within a minute) reads it.
 */
export async function refreshEngine(c: Context<AppEnv>): Promise<PoolUse[]> {
  const tenantId = c.get("principal").tenantId;
  try {
    return unwrap(await tenantRuns(c.env, tenantId).refreshPools(tenantId));
  } catch (err) {
    log.warn("pool change did not reach the run engine; the watchdog will carry it", { tenant_id: tenantId, ...errorFields(err) });
    return [];
  }
}
