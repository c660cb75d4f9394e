import type { Env } from "../env";
import type { TenantRuns } from "./tenant-runs";

/** The tenant's Durable Object: every change to runs or schedules goes through it. */
export function tenantRuns(env: Env, tenantId: string): DurableObjectStub<TenantRuns> {
  const ns = env.TENANT_RUNS as unknown as DurableObjectNamespace<TenantRuns>;
  return ns.get(ns.idFromName(tenantId));
}
