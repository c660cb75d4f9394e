import { slotsBetween } from "../engine/cron";
import type { SlowTarget } from "../db/schema/enums";
import type { UnusedPolicy } from "../db/schema/products";

/**
 * "Run only what is used": the pure rules behind a product's unused policy — when a product counts as unused, what
 * the daily pass does next, how a schedule is slowed and what slowing or pausing saved. No I/O; the service
 * (./unused-policy.ts) reads the facts and applies the decisions.
 */

const DAY_MS = 86_400_000;
/** Days between telling the owners and acting: long enough to answer "keep" over a weekend. */
export const UNUSED_GRACE_DAYS = 3;
export const UNUSED_GRACE_MS = UNUSED_GRACE_DAYS * DAY_MS;
export const UNUSED_AFTER_DAYS_MIN = 7;
export const UNUSED_AFTER_DAYS_MAX = 365;

const utcDay = (ms: number) => new Date(ms).toISOString().slice(0, 10);

/**
 * No use for `days` days: the last UTC day with usage is at least `days` days before today's, or, never used, the
 * product was registered at least that long ago. Use is what the scorecard counts (usage_daily); whether usage is
 * known at all is the scorecard's `usage.known`, checked by the caller: the same facts that make a zombie.
 */
export function unusedFor(lastUsedDay: string | null, createdAt: number, now: number, days: number): boolean {
  if (lastUsedDay) return lastUsedDay <= utcDay(now - days * DAY_MS);
  return createdAt <= now - days * DAY_MS;
}

/** Used again since `since`: a day with usage on or after the day of `since` (the product was unused for a week or more then). */
export const usedSince = (lastUsedDay: string | null, since: number) => lastUsedDay !== null && lastUsedDay >= utcDay(since);

export interface UnusedFacts {
  policy: UnusedPolicy | null;
  noticeAt: number | null;
  keptUntil: number | null;
  /** The workspace reports usage (scorecard `usage.known`). */
  usageKnown: boolean;
  lastUsedDay: string | null;
  createdAt: number;
  /** Actions in effect: when the earliest was taken and whether the owners were told use returned. */
  active: { actedAt: number; useReturnTold: boolean } | null;
}

export type UnusedStep =
  | { kind: "none" }
  /** Tell the owners the pipelines will be slowed or paused after the grace period. */
  | { kind: "notify"; actsAt: number }
  /** The grace period is over and the product is still unused: act. */
  | { kind: "apply" }
  /** A pending notice no longer holds (used again, policy off, usage unknown, kept): forget it. */
  | { kind: "withdraw" }
  /** Actions are in effect and the product is used again: tell the owners, once (undo stays one click for them). */
  | { kind: "use_returned" };

/** What the daily pass does for one product. */
export function unusedStep(f: UnusedFacts, now: number): UnusedStep {
  if (f.active) {
    return !f.active.useReturnTold && usedSince(f.lastUsedDay, f.active.actedAt) ? { kind: "use_returned" } : { kind: "none" };
  }
  const unused = f.policy !== null && f.usageKnown && unusedFor(f.lastUsedDay, f.createdAt, now, f.policy.afterDays);
  const kept = f.keptUntil !== null && f.keptUntil > now;
  if (f.noticeAt !== null) {
    if (!unused || kept) return { kind: "withdraw" };
    return now >= f.noticeAt + UNUSED_GRACE_MS ? { kind: "apply" } : { kind: "none" };
  }
  return unused && !kept ? { kind: "notify", actsAt: now + UNUSED_GRACE_MS } : { kind: "none" };
}

/** Where a schedule's runs start: the first value of a cron field ("*", "*\/15" → 0; "5,35" → 5; "10-20" → 10). */
function firstValue(field: string): string {
  const head = field.split(",")[0].split("/")[0].split("-")[0];
  return head === "*" || head === "?" ? "0" : head;
}

/** A reference period for "how often does it fire": fixed, so the answer never depends on today's date. */
const REFERENCE_FROM = Date.UTC(2024, 0, 1);
const REFERENCE_WEEKS = 8;

/** Fires at most as often as `target` on average over eight reference weeks (then slowing leaves it alone). */
function alreadyAsCoarse(cron: string, timezone: string, target: SlowTarget): boolean {
  const allowed = target === "daily" ? REFERENCE_WEEKS * 7 : REFERENCE_WEEKS;
  const fires = slotsBetween(cron, timezone, REFERENCE_FROM, REFERENCE_FROM + REFERENCE_WEEKS * 7 * DAY_MS - 1, allowed + 1).length;
  return fires <= allowed;
}

/**
 * The slowed schedule: once a day (or once a week) at the minute and hour the original starts from, in its time zone;
 * weekly keeps the original's first weekday when it names one, else Monday. Null when the original already fires no
 * more often than that (left alone). `cron` must be valid (a pipeline's schedule always is).
 */
export function slowCron(cron: string, timezone: string, target: SlowTarget): string | null {
  if (alreadyAsCoarse(cron, timezone, target)) return null;
  const [minute, hour, , , weekday] = cron.trim().split(/\s+/);
  const at = `${firstValue(minute)} ${firstValue(hour)}`;
  if (target === "daily") return `${at} * * *`;
  const day = firstValue(weekday).replace(/[#L].*$/, "");
  return `${at} * * ${weekday === "*" || weekday === "?" || day === "" ? "1" : day}`;
}

export interface ActionForSavings {
  previousCron: string;
  timezone: string;
  actedAt: number;
  undoneAt: number | null;
  costPerRunMicros: number | null;
}

/** The old schedule's slots counted at most this many per action (a minutely schedule for a year is 525,600). */
export const MAX_COUNTED_SLOTS = 20_000;

export interface ActionSavings {
  /** Runs the old schedule would have started since the action (until undone or now). */
  wouldHaveRun: number;
  runsSkipped: number;
  /** Cost per run × runs skipped; null when the cost per run is unknown (never invented). */
  savedMicros: number | null;
}

/**
 * What an action saved: runs the old schedule would have made from the action until it was undone (or now), minus
 * the runs the pipeline made in that time (any trigger), times the cost per run measured before the action.
 */
export function actionSavings(a: ActionForSavings, runsMade: number, now: number): ActionSavings {
  const until = Math.min(a.undoneAt ?? now, now);
  const wouldHaveRun = until > a.actedAt ? slotsBetween(a.previousCron, a.timezone, a.actedAt + 1, until, MAX_COUNTED_SLOTS).length : 0;
  const runsSkipped = Math.max(0, wouldHaveRun - runsMade);
  return { wouldHaveRun, runsSkipped, savedMicros: a.costPerRunMicros === null ? null : Math.round(a.costPerRunMicros * runsSkipped) };
}

/** Cost per run from the cost attributed to a pipeline's runs: total ÷ runs with cost; null without any. */
export const costPerRun = (totalMicros: number, runsWithCost: number): number | null => (runsWithCost > 0 ? Math.round(totalMicros / runsWithCost) : null);
