import { log } from "../../lib/log";
import { wallNow } from "../../lib/time";
import type { TimerEvent } from "../timer-events";
import type { RunsCore } from "./core";
import { resendUnsettledDispatches } from "./dispatch-claims";
import { runDueCollectors } from "./collectors";
import { runRetention } from "./retention";
import { runZombieDigest } from "./zombie-digest";
import { armNextSlot, checkSla, fireCronSlots, runHousekeeping } from "./scheduling";
import { signal } from "./signals";
import { keepAlarm, OUTBOX_RETRY_MS } from "./alarm-time";

const ALARM_BATCH = 200;

/** The alarm's work: every due timer fires once, then dispatches whose claim never completed go out again. */
export async function fireDueTimers(core: RunsCore) {
  const now = core.now();
  const due = core.store.dueTimers(now, ALARM_BATCH);
  const cronSlots: Array<{ pipelineId: string; slotAt: number }> = [];
  let retention = false;
  let zombieDigest = false;
  const collectors: string[] = [];
  for (const timer of due) {
    // Delete first: the event may set a timer with the same key (the next poll); a repeated alarm finds nothing.
    core.store.clearTimer(timer.key);
    if (timer.event.type === "cron") {
      if (armNextSlot(core, timer.event.pipelineId, timer.event.slotAt)) cronSlots.push(timer.event);
      continue;
    }
    // Retention reads and writes D1: it runs after the synchronous timers, like the cron slots.
    if (timer.event.type === "retention") {
      retention = true;
      continue;
    }
    // The zombie digest reads D1 and sends to the notify queue: like retention, after the synchronous timers.
    if (timer.event.type === "zombie_digest") {
      zombieDigest = true;
      continue;
    }
    // Collectors call the vendors and write D1: like retention, after the synchronous timers.
    if (timer.event.type === "collector") {
      collectors.push(timer.event.connectionId);
      continue;
    }
    fireTimer(core, timer.event, `timer:${timer.key}:${timer.dueAt}`);
  }
  await fireCronSlots(core, cronSlots);
  if (retention) await runRetention(core);
  if (zombieDigest) await runZombieDigest(core);
  if (collectors.length) await runDueCollectors(core, collectors);
  resendUnsettledDispatches(core, now, ALARM_BATCH);
}

function fireTimer(core: RunsCore, event: Exclude<TimerEvent, { type: "cron" | "retention" | "zombie_digest" | "collector" }>, eventId: string) {
  switch (event.type) {
    case "engine":
      if (core.store.getRun(event.runId)) core.apply(event.runId, eventId, event.event);
      return;
    case "sla":
      checkSla(core, event.pipelineId, event.deadlineAt);
      return;
    case "watch":
      signal(core.store, { type: "engine.watch_due", tenantId: core.tenantId(), key: event.key, dueAt: core.now(), payload: event.payload, at: core.now() });
      return;
    case "housekeeping":
      runHousekeeping(core);
      return;
    default: {
      const never: never = event;
      throw new Error(`unknown timer ${(never as { type: string }).type}`);
    }
  }
}

/**
 * A one-off timer for other parts of Tutti (freshness deadlines, alert escalation): when due, an
 * `engine.watch_due` signal with `payload` goes to the notify queue. Same key → replaced.
 */
export async function setWatch(core: RunsCore, key: string, dueAt: number, payload: Record<string, unknown>) {
  core.store.setTimer(`watch:${key}`, dueAt, { type: "watch", key, payload }, null);
  await armAlarm(core);
}

export async function clearWatch(core: RunsCore, key: string) {
  core.store.clearTimer(`watch:${key}`);
  await armAlarm(core);
}

/** Sets the object's one alarm to the earliest timer or unsettled dispatch (sooner while the outbox is not empty). */
export async function armAlarm(core: RunsCore) {
  const { store, storage } = core;
  let due = earliestDue(store);
  const retrying = store.outbox(1).length > 0;
  if (retrying) due = Math.min(due ?? Infinity, core.now() + OUTBOX_RETRY_MS);
  if (due === null) {
    await storage.deleteAlarm();
    return;
  }
  // Timers use the injected clock; the alarm is wall-clock, so translate the offset.
  const wall = wallNow() + (due - core.now());
  const current = await storage.getAlarm();
  if (current !== null && keepAlarm(current, wall, retrying, wallNow())) return;
  await storage.setAlarm(Math.max(wall, wallNow()));
}

/** Work overdue by longer than this (ENGINE_OVERDUE_GRACE_SECONDS) means the object's alarm is not coming. */
const OVERDUE_GRACE_MS = 60_000;

export function overdueGraceMs(env: RunsCore["env"]): number {
  const seconds = Number(env.ENGINE_OVERDUE_GRACE_SECONDS);
  return Number.isFinite(seconds) && seconds > 0 ? seconds * 1000 : OVERDUE_GRACE_MS;
}

/**
 * Re-arms an alarm that should have fired and did not; true if it had to. The runtime can lose an alarm: Cloudflare
 * deletes one whose handler failed six times, and a workerd killed between an alarm run and the rescheduling that run
 * asked for keeps the new time in the object's storage but never fires it — getAlarm() then reports it as set. So
 * the object judges by its own tables: a timer or unsettled dispatch due longer than the grace ago means no alarm is
 * coming. It sets one for now, a time the runtime does not hold yet, so it is really scheduled; that alarm's run
 * re-arms at the earliest due time as usual. Called when the object starts and by the Worker's engine watchdog.
 */
export async function reviveAlarm(core: RunsCore): Promise<boolean> {
  const { store, storage } = core;
  const due = earliestDue(store);
  if (due === null || due > core.now() - overdueGraceMs(core.env)) return false;
  await storage.setAlarm(wallNow());
  log.with({ tenantId: store.tenantId() }).warn("engine alarm was lost; re-armed", { overdue_ms: core.now() - due });
  return true;
}

const minOf = (a: number | null, b: number | null) => (a === null ? b : b === null ? a : Math.min(a, b));

/** When the alarm must next fire for the object's own work: its earliest timer or unsettled dispatch. */
const earliestDue = (store: RunsCore["store"]) => minOf(store.earliestTimer(), store.earliestDispatchDue());
