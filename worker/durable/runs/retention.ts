import { errorFields, log } from "../../lib/log";
import { sweepRetention } from "../../retention/sweep";
import type { RunsCore } from "./core";

/**
 * The tenant's retention runs on the tenant's own alarm, not a global cron: one timer row, `retention`. Each pass
 * removes a bounded batch (worker/retention/sweep.ts); while rows past retention remain the timer comes back soon,
 * otherwise the next day. A pass that fails is tried again later; nothing it did is half-done (one D1 batch a step).
 */
export const RETENTION_KEY = "retention";
const DAY_MS = 86_400_000;
/** The first pass after the timer is armed (a new tenant, or one from before retention) comes this soon. */
const FIRST_PASS_MS = 60_000;
/** Between passes while a backlog remains: long enough to let the object's other work through. */
export const NEXT_PASS_MS = 5_000;
const RETRY_MS = 10 * 60_000;
/** Rows one pass removes at most. */
export const RETENTION_BATCH = 1000;

/**
 * Gives the object its retention timer when it has none; with `soon`, brings the next pass forward (settings were
 * shortened). True when it changed the timer (the caller re-arms the alarm).
 */
export function ensureRetentionTimer(core: RunsCore, soon = false): boolean {
  const current = core.store.getTimer(RETENTION_KEY);
  const first = core.now() + FIRST_PASS_MS;
  if (current && (!soon || current.dueAt <= first)) return false;
  core.store.setTimer(RETENTION_KEY, first, { type: "retention" }, null);
  return true;
}

/** One pass, then the timer for the next. */
export async function runRetention(core: RunsCore) {
  const tenantId = core.tenantId();
  let next = core.now() + RETRY_MS;
  try {
    const result = await sweepRetention(core.env, tenantId, core.now(), core.retentionBatch());
    if (Object.keys(result.removed).length) log.with({ tenantId }).info("retention removed", { ...result.removed, more: result.more });
    next = core.now() + (result.more ? NEXT_PASS_MS : DAY_MS);
  } catch (err) {
    log.with({ tenantId }).error("retention pass failed; retried later", errorFields(err));
  }
  core.store.setTimer(RETENTION_KEY, next, { type: "retention" }, null);
}
