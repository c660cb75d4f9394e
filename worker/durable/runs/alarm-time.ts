/** While the outbox holds items (a delivery failed or is held), the alarm comes back this soon to try again. */
export const OUTBOX_RETRY_MS = 5000;

/**
 * Whether the alarm already set serves. A timer's alarm must be exactly its due time (an earlier one fires for
 * nothing, a later one is late). The outbox retry only needs an alarm *within* OUTBOX_RETRY_MS: while a run's steps
 * follow each other the outbox is rarely empty, and moving the alarm to "now + 5 s" after every step cost a
 * `setAlarm` per task (docs/benchmarks.md, bench:engine). An alarm set long in the past is not kept: the runtime can
 * report a lost alarm as set (reviveAlarm), and setting it again is what brings it back.
 */
export function keepAlarm(current: number, wall: number, retrying: boolean, wallNowMs: number): boolean {
  if (current === wall) return true;
  return retrying && current <= wall && current >= wallNowMs - OUTBOX_RETRY_MS;
}
