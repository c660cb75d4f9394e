import type { Env } from "../env";
import type { TenantRunsApi } from "./runs/contract";
import type { TenantLimits } from "./tenant-limits";

/** The tenant's Durable Object: every change to runs or schedules goes through it. Unwrap its answers with `unwrap`. */
export function tenantRuns(env: Env, tenantId: string): DurableObjectStub<TenantRunsApi> {
  return env.TENANT_RUNS.get(env.TENANT_RUNS.idFromName(tenantId));
}

/** The tenant's rate-limit counters. */
export function tenantLimits(env: Env, tenantId: string): DurableObjectStub<TenantLimits> {
  return env.TENANT_LIMITS.get(env.TENANT_LIMITS.idFromName(tenantId));
}
