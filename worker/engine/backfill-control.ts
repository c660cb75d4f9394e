/** What a backfill was told: start slots (`running`), hold the queued ones (`paused`), or stop for good (`cancelled`). */
export const backfillControls = ["running", "paused", "cancelled"] as const;
export type BackfillControl = (typeof backfillControls)[number];

/** A backfill's overall state: its control while slots remain, then how its slots ended (db/repo/runs/backfills.ts). */
export const backfillStates = ["running", "paused", "succeeded", "failed", "cancelled"] as const;
export type BackfillState = (typeof backfillStates)[number];

export const backfillActions = ["pause", "resume", "cancel"] as const;
export type BackfillAction = (typeof backfillActions)[number];

export type ControlChange = { ok: true; control: BackfillControl; changed: boolean } | { ok: false; message: string };

/**
 * The control after an action. Asking for the state a backfill is already in changes nothing (pausing twice is
 * fine); a cancelled backfill stays cancelled, so resuming or pausing it is refused, naming its state.
 */
export function applyBackfillAction(current: BackfillControl, action: BackfillAction): ControlChange {
  if (current === "cancelled") return action === "cancel" ? { ok: true, control: current, changed: false } : { ok: false, message: "backfill is cancelled" };
  const next: BackfillControl = action === "pause" ? "paused" : action === "resume" ? "running" : "cancelled";
  return { ok: true, control: next, changed: next !== current };
}
