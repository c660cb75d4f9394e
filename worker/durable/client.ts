import type { Env } from "../env";
import type { TenantLimits } from "./tenant-limits";
import type { TenantRuns } from "./tenant-runs";

/** The tenant's Durable Object: every change to runs or schedules goes through it. */
export function tenantRuns(env: Env, tenantId: string): DurableObjectStub<TenantRuns> {
  const ns = env.TENANT_RUNS as unknown as DurableObjectNamespace<TenantRuns>;
  return ns.get(ns.idFromName(tenantId));
}

/** The tenant's rate-limit counters. */
export function tenantLimits(env: Env, tenantId: string): DurableObjectStub<TenantLimits> {
  const ns = env.TENANT_LIMITS as unknown as DurableObjectNamespace<TenantLimits>;
  return ns.get(ns.idFromName(tenantId));
}
