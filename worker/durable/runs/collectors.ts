import { runCollectorPass } from "../../costs/collectors/service";
import { newId } from "../../lib/ids";
import { errorFields, log } from "../../lib/log";
import { CollectorPassStore, type PassRequest } from "../collector-passes";
import type { RunsCore } from "./core";

/**
 * Cost collectors run on the tenant's own alarm: one timer row per enabled connection, `collector:<connection id>`.
 * A pass reads a bounded window per stream (worker/costs/collectors/); the pass sets when the next is due. At most
 * MAX_PASSES_PER_ALARM collectors run per alarm, so runs and schedules are not held up behind many slow vendor
 * queries; the rest come back a moment later. A pass a person asks for (`requestPass`) only moves the timer to now:
 * it is the same pass, run by the same alarm, and a collector has one pass at a time.
 */
export const COLLECTOR_PREFIX = "collector:";
const MAX_PASSES_PER_ALARM = 2;
const DEFERRED_MS = 1_000;
const RETRY_MS = 15 * 60_000;
/** A person may ask for a collector's pass once a minute: the vendors' usage views are not cheap to query. */
export const COLLECT_COOLDOWN_MS = 60_000;
/**
 * A pass queued or started this long ago is taken to have died with its alarm (the object was evicted mid-pass), so
 * it no longer stands in the way of a new one. Far longer than a pass takes (its vendor statements time out sooner).
 */
export const PASS_STALE_MS = 30 * 60_000;

export const collectorKey = (connectionId: string) => `${COLLECTOR_PREFIX}${connectionId}`;

const passes = (core: RunsCore) => new CollectorPassStore(core.storage.sql);
const staleBefore = (core: RunsCore) => core.now() - PASS_STALE_MS;

/** Sets (or with null removes) the connection's collector timer; removing it drops a pass still waiting for it. */
export function setCollectorTimer(core: RunsCore, connectionId: string, dueAt: number | null) {
  if (dueAt === null) {
    core.store.clearTimer(collectorKey(connectionId));
    passes(core).dropQueued(connectionId);
    return;
  }
  core.store.setTimer(collectorKey(connectionId), dueAt, { type: "collector", connectionId }, null);
}

/** Sets the timer for a collector saved by an admin; a pass already asked for still runs now. Answers when it is due. */
export function armCollectorTimer(core: RunsCore, connectionId: string, dueAt: number | null): number | null {
  const asked = dueAt !== null && passes(core).current(connectionId, staleBefore(core))?.state === "queued";
  const due = asked ? Math.min(dueAt, core.now()) : dueAt;
  setCollectorTimer(core, connectionId, due);
  return due;
}

/**
 * A person asks for a pass now. A queued or running pass is the answer (`joined`), so presses that arrive together
 * start one pass; otherwise, within COLLECT_COOLDOWN_MS of the last press, the answer is when to ask again; otherwise
 * the collector's timer moves to now and the alarm runs the pass. Synchronous from check to write: the object runs
 * no other call in between.
 */
export function requestPass(core: RunsCore, connectionId: string): PassRequest {
  const store = passes(core);
  const now = core.now();
  const current = store.current(connectionId, staleBefore(core));
  if (current) return { pass: current, joined: true };
  const pressedAt = store.pressedAt(connectionId);
  if (pressedAt !== null && now - pressedAt < COLLECT_COOLDOWN_MS) return { retryAfterMs: pressedAt + COLLECT_COOLDOWN_MS - now };
  const id = newId("collectorRun");
  store.queue(connectionId, id, now);
  setCollectorTimer(core, connectionId, now);
  return { pass: { connectionId, id, state: "queued", queuedAt: now, startedAt: null }, joined: false };
}

/** Every collector's queued or running pass. */
export const currentPasses = (core: RunsCore) => passes(core).all(staleBefore(core));

/** Runs the due collectors' passes (bounded) and sets each one's next timer. */
export async function runDueCollectors(core: RunsCore, connectionIds: string[]) {
  const tenantId = core.tenantId();
  for (const [i, connectionId] of connectionIds.entries()) {
    if (i >= MAX_PASSES_PER_ALARM) {
      setCollectorTimer(core, connectionId, core.now() + DEFERRED_MS);
      continue;
    }
    const passId = passes(core).start(connectionId, newId("collectorRun"), core.now(), staleBefore(core));
    let next: number | null = core.now() + RETRY_MS;
    try {
      next = (await runCollectorPass(core.env, tenantId, connectionId, core.now(), { passId })).nextRunAt;
    } catch (err) {
      // The pass could not even record itself (D1 unavailable): try again later.
      log.with({ tenantId }).error("cost collector pass could not run", { connection_id: connectionId, ...errorFields(err) });
    }
    passes(core).finish(connectionId, passId);
    setCollectorTimer(core, connectionId, next);
  }
}
