import type { Env } from "../env";
import type { TenantRunsApi } from "./runs/contract";
import type { TenantLimits } from "./tenant-limits";

/** The tenant's Durable Object: every change to runs or schedules goes through it. Unwrap its answers with `unwrap`. */
export function tenantRuns(env: Env, tenantId: string): DurableObjectStub<TenantRunsApi> {
  const ns = env.TENANT_RUNS as unknown as DurableObjectNamespace<TenantRunsApi>;
  return ns.get(ns.idFromName(tenantId));
}

/** The tenant's rate-limit counters. */
export function tenantLimits(env: Env, tenantId: string): DurableObjectStub<TenantLimits> {
  const ns = env.TENANT_LIMITS as unknown as DurableObjectNamespace<TenantLimits>;
  return ns.get(ns.idFromName(tenantId));
}
