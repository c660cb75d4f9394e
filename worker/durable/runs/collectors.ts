import { runCollectorPass } from "../../costs/collectors/service";
import { errorFields, log } from "../../lib/log";
import type { RunsCore } from "./core";

/**
 * Cost collectors run on the tenant's own alarm: one timer row per enabled connection, `collector:<connection id>`.
 * A pass reads a bounded window per stream (worker/costs/collectors/); the pass sets when the next is due. At most
 * MAX_PASSES_PER_ALARM collectors run per alarm, so runs and schedules are not held up behind many slow vendor
 * queries; the rest come back a moment later.
 */
export const COLLECTOR_PREFIX = "collector:";
const MAX_PASSES_PER_ALARM = 2;
const DEFERRED_MS = 1_000;
const RETRY_MS = 15 * 60_000;

export const collectorKey = (connectionId: string) => `${COLLECTOR_PREFIX}${connectionId}`;

/** Sets (or with null removes) the connection's collector timer. */
export function setCollectorTimer(core: RunsCore, connectionId: string, dueAt: number | null) {
  if (dueAt === null) core.store.clearTimer(collectorKey(connectionId));
  else core.store.setTimer(collectorKey(connectionId), dueAt, { type: "collector", connectionId }, null);
}

/** Runs the due collectors' passes (bounded) and sets each one's next timer. */
export async function runDueCollectors(core: RunsCore, connectionIds: string[]) {
  const tenantId = core.tenantId();
  for (const [i, connectionId] of connectionIds.entries()) {
    if (i >= MAX_PASSES_PER_ALARM) {
      setCollectorTimer(core, connectionId, core.now() + DEFERRED_MS);
      continue;
    }
    let next: number | null = core.now() + RETRY_MS;
    try {
      next = (await runCollectorPass(core.env, tenantId, connectionId, core.now())).nextRunAt;
    } catch (err) {
      // The pass could not even record itself (D1 unavailable): try again later.
      log.with({ tenantId }).error("cost collector pass could not run", { connection_id: connectionId, ...errorFields(err) });
    }
    setCollectorTimer(core, connectionId, next);
  }
}
