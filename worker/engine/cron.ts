import { Cron } from "croner";

/** The next cron slot strictly after `afterMs`, in the schedule's IANA timezone (DST handled by croner). */
export function nextSlot(cron: string, timezone: string, afterMs: number): number | null {
  const next = new Cron(cron, { timezone, mode: "5-part", paused: true }).nextRun(new Date(afterMs));
  return next ? next.getTime() : null;
}

/** Every slot in [fromMs, toMs], capped at `limit` slots. */
export function slotsBetween(cron: string, timezone: string, fromMs: number, toMs: number, limit: number): number[] {
  const job = new Cron(cron, { timezone, mode: "5-part", paused: true });
  const slots: number[] = [];
  let cursor = new Date(fromMs - 1);
  while (slots.length < limit) {
    const next = job.nextRun(cursor);
    if (!next || next.getTime() > toMs) break;
    slots.push(next.getTime());
    cursor = next;
  }
  return slots;
}

/** Throws with croner's message when the expression or timezone is invalid. */
export function assertValidCron(cron: string, timezone: string): void {
  new Cron(cron, { timezone, mode: "5-part", paused: true }).nextRun();
}
