import type { Env } from "../../env";
import type { CollectorPass } from "../../durable/collector-passes";
import { tenantRuns } from "../../durable/client";
import { unwrap } from "../../durable/result";

/** The tenant's queued and running collector passes, by connection: the engine holds them, not D1. */
export async function livePasses(env: Env, tenantId: string): Promise<Map<string, CollectorPass>> {
  const passes = unwrap(await tenantRuns(env, tenantId).collectorPasses(tenantId));
  return new Map(passes.map((p) => [p.connectionId, p]));
}
