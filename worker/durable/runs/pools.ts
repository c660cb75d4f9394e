import { listPools } from "../../db/repo/pipelines/pools";
import { admit, unknownPoolMessage } from "../../engine/pools";
import { isActiveTask } from "../../engine/states";
import type { Effect } from "../../engine/types";
import type { PoolSlotRow } from "../pool-slots";
import type { PoolAttempt, PoolLine, PoolUse } from "./contract";
import type { RunsCore } from "./core";
import { tenantContext } from "../../db/shards";

/**
 * Pools in the tenant's Durable Object. A pooled task's attempt asks for its slots when it is queued (`pool.request`,
 * a row in `pool_slots`) and gives them back when it stops being active (`pool.release`): both are effects of the run's
 * transition, written in the same synchronous block as the run's new state, so a crash can never keep one without the
 * other. After every change, `admit` (engine/pools.ts) decides which waiting attempts start, in the order they asked;
 * each start is the `task.pool_granted` event of that run, which dispatches it through the usual claim path.
 */

interface AdmissionState {
  /** applyEvent calls in progress (admission runs once the outermost one is done). */
  depth: number;
  /** Pool rows changed since the last admission pass. */
  dirty: boolean;
  /** Refreshes from D1 run one after another, so the last to finish read D1 last. */
  refresh: Promise<void>;
}

const states = new WeakMap<RunsCore, AdmissionState>();

function stateOf(core: RunsCore): AdmissionState {
  let state = states.get(core);
  if (!state) {
    state = { depth: 0, dirty: false, refresh: Promise.resolve() };
    states.set(core, state);
  }
  return state;
}

/**
 * Records a transition's pool effect for `runId`. A release that comes with a cancel of the attempt's work at its tool
 * (`cancelClaim`: a run cancelled or a task timed out mid-call) keeps the slots until that cancel has been made, so
 * the next task never runs at the tool beside work the pool still counts as stopping.
 */
export function recordPoolEffect(core: RunsCore, runId: string, effect: Extract<Effect, { type: "pool.request" | "pool.release" }>, cancelClaim?: string) {
  const pools = core.store.pools;
  if (effect.type === "pool.request") pools.request(runId, effect.key, effect.attempt, effect.pool, effect.slots);
  else if (cancelClaim) pools.drain(runId, effect.key, effect.attempt, cancelClaim);
  else pools.release(runId, effect.key, effect.attempt);
  stateOf(core).dirty = true;
}

/** A cancel claim completed or was given up: the slots its attempt kept are free, and waiting attempts may start. */
export function cancelSettled(core: RunsCore, claimId: string) {
  withPoolAdmission(core, () => {
    if (core.store.pools.releaseDrained(claimId)) stateOf(core).dirty = true;
  });
}

/**
 * Runs `change` (one applied event), then, once no other change is in progress, admits waiting attempts if pool rows
 * changed. Admission applies events itself; they count as nested changes, so it never re-enters.
 */
export function withPoolAdmission(core: RunsCore, change: () => void, refuseUnknown = false) {
  const state = stateOf(core);
  state.depth += 1;
  try {
    change();
    if (state.depth > 1) return;
    // Each pass may free slots (a refused attempt gives its place back), so it repeats until nothing changed.
    while (state.dirty) {
      state.dirty = false;
      admitOnce(core, refuseUnknown);
    }
  } finally {
    state.depth -= 1;
  }
}

function admitOnce(core: RunsCore, refuseUnknown: boolean) {
  const pools = core.store.pools;
  const waiting = pools
    .rows()
    .filter((r) => !r.held)
    .map((r) => ({ ...r, order: r.seq }));
  if (!waiting.length) return;
  const decision = admit(pools.sizes(), pools.held(), waiting);
  for (const row of decision.granted) {
    if (!stillWaiting(core, row)) {
      // Cannot happen while requests and releases are written with their run's state; should it, no slot leaks.
      pools.release(row.runId, row.taskKey, row.attempt);
      stateOf(core).dirty = true;
      continue;
    }
    pools.hold(row.seq);
    core.apply(row.runId, eventId(row, "granted"), { type: "task.pool_granted", key: row.taskKey, attempt: row.attempt });
  }
  for (const { request, reason } of decision.waiting) {
    // The reason is noted once per attempt, when it first has to wait: not rewritten on every change of the pool's use.
    core.apply(request.runId, eventId(request, "waiting"), { type: "task.pool_waiting", key: request.taskKey, attempt: request.attempt, reason });
  }
  if (!decision.unknown.length) return;
  if (!refuseUnknown) {
    // The object's copy of the pools may be behind D1 (a create whose refresh did not reach it): read D1 before failing.
    core.waitUntil(refreshPools(core).then(() => core.settle()));
    return;
  }
  for (const row of decision.unknown) {
    core.apply(row.runId, eventId(row, "refused"), {
      type: "task.pool_refused",
      key: row.taskKey,
      attempt: row.attempt,
      message: unknownPoolMessage(row.pool),
    });
  }
}

const eventId = (row: PoolSlotRow, what: string) => `pool:${row.runId}:${row.taskKey}:${row.attempt}:${what}`;

function stillWaiting(core: RunsCore, row: PoolSlotRow): boolean {
  const task = core.store.getRun(row.runId)?.state.tasks[row.taskKey];
  return !!task && task.status === "queued" && task.attempt === row.attempt && !!task.poolWait;
}

/**
 * Reads the tenant's pools from D1 (the source of truth) into the object, then admits what now fits: called after
 * every create, resize and delete, and by the engine watchdog's visits. Also drops any held row whose attempt is no
 * longer active, so a slot can never stay taken by an attempt that is over.
 */
export function refreshPools(core: RunsCore): Promise<void> {
  const state = stateOf(core);
  const next = state.refresh
    .catch(() => undefined)
    .then(async () => {
      const list = await listPools(await tenantContext(core.env, core.tenantId()));
      withPoolAdmission(
        core,
        () => {
          core.store.pools.replaceSizes(list);
          for (const row of core.store.pools.rows()) {
            if (row.held && !row.drainingClaim && !stillActive(core, row)) core.store.pools.release(row.runId, row.taskKey, row.attempt);
          }
          state.dirty = true;
        },
        true,
      );
    });
  state.refresh = next;
  return next;
}

function stillActive(core: RunsCore, row: PoolSlotRow): boolean {
  const task = core.store.getRun(row.runId)?.state.tasks[row.taskKey];
  return !!task && isActiveTask(task.status) && task.attempt === row.attempt;
}

/** Slots held and attempts waiting, per pool the object has rows for. */
export function poolUsage(core: RunsCore): PoolUse[] {
  return [...core.store.pools.usage()].map(([name, u]) => ({ name, inUse: u.inUse, waiting: u.waiting }));
}

/** One pool's slots held and attempts waiting, with who they are: waiters oldest ask first, the order admission keeps. */
export function poolLine(core: RunsCore, name: string): PoolLine {
  const rows = core.store.pools.rows().filter((r) => r.pool === name);
  const attempt = (r: PoolSlotRow): PoolAttempt => ({
    runId: r.runId,
    pipeline: core.store.getRun(r.runId)?.meta.pipelineName ?? null,
    taskKey: r.taskKey,
    attempt: r.attempt,
    slots: r.slots,
  });
  const holders = rows.filter((r) => r.held).map(attempt);
  const waiters = rows.filter((r) => !r.held).map(attempt);
  return { name, inUse: holders.reduce((sum, h) => sum + h.slots, 0), waiting: waiters.length, holders, waiters };
}
