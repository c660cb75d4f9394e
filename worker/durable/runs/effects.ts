import { transition } from "../../engine/transition";
import type { Effect, EngineEvent } from "../../engine/types";
import type { DispatchMessage } from "../../queues/messages";
import { buildSnapshot } from "../snapshot";
import type { RunRow } from "../storage";
import { afterRunFinished } from "./admission";
import type { RunsCore } from "./core";
import { claimIdOf, sendDispatch } from "./dispatch-claims";
import { applyParkedWebhooks } from "./parked-webhooks";
import { recordPoolEffect, withPoolAdmission } from "./pools";
import { emitRunSignals } from "./signals";

/**
 * Applies one event to one run exactly once: transition, persist, record timers and outbox — all synchronous, so
 * nothing interleaves. Follow-ups of the change (signals, parked webhooks, a finished run's successors) happen here too.
 */
export function applyEvent(core: RunsCore, runId: string, eventId: string, event: EngineEvent) {
  // Attempts waiting for a pool start once the change (and every change it sets off) is recorded.
  withPoolAdmission(core, () => applyOnce(core, runId, eventId, event));
}

function applyOnce(core: RunsCore, runId: string, eventId: string, event: EngineEvent) {
  const { store } = core;
  if (store.wasApplied(eventId)) return;
  const row = store.getRun(runId);
  if (!row) return;
  const now = core.now();
  const result = transition(row.state, event, { now, random: Math.random });
  store.markApplied(eventId, now);
  if (!result.changed) return;
  const built = buildSnapshot(row.meta, row.state, result.state, result.log, row.seq, eventId, now);
  store.saveRun(runId, result.state, built.seq);
  store.enqueue({ kind: "d1", payload: built.snapshot });
  const finished = performEffects(core, row, result.effects, now);
  emitRunSignals(store, row, result.state, result.log, now);
  applyParkedWebhooks(core, row, result.state);
  if (finished) afterRunFinished(core, row, result.state);
}

/** Records what a transition asked for: dispatches in the outbox, timers as rows. True when the run finished. */
function performEffects(core: RunsCore, row: RunRow, effects: Effect[], now: number): boolean {
  let finished = false;
  const cancels = new Set(effects.flatMap((e) => (e.type === "dispatch" && e.op === "cancel" ? [`${e.key}#${e.attempt}`] : [])));
  for (const effect of effects) {
    switch (effect.type) {
      case "dispatch": {
        const msg: DispatchMessage = {
          tenantId: row.meta.tenantId,
          runId: row.id,
          taskKey: effect.key,
          attempt: effect.attempt,
          op: effect.op,
          seq: effect.seq,
        };
        sendDispatch(core, msg, now);
        break;
      }
      case "timer.set":
        core.store.setTimer(effect.timerKey, effect.dueAt, { type: "engine", runId: row.id, event: effect.event }, row.id);
        break;
      case "timer.clear":
        core.store.clearTimer(effect.timerKey);
        break;
      case "run.finished":
        finished = true;
        break;
      case "pool.request":
      case "pool.release":
        recordPoolEffect(
          core,
          row.id,
          effect,
          effect.type === "pool.release" && cancels.has(`${effect.key}#${effect.attempt}`)
            ? claimIdOf({ tenantId: row.meta.tenantId, runId: row.id, taskKey: effect.key, attempt: effect.attempt, op: "cancel", seq: 0 })
            : undefined,
        );
        break;
      default: {
        const never: never = effect;
        throw new Error(`unknown effect ${(never as { type: string }).type}`);
      }
    }
  }
  return finished;
}
