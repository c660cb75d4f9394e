import { env, listDurableObjectIds, runDurableObjectAlarm, runInDurableObject } from "cloudflare:test";
import { queueActivity } from "./queue-tracking";

/**
 * The two ways a test waits; nothing else in test/ sleeps.
 * - `eventually(fn)`: something asynchronous must happen — retry `fn` (an assertion or a read that throws) until it
 *   passes, bounded.
 * - `drain()`: before asserting that something did NOT happen (no second call, nothing stored, one event only) —
 *   wait until the Worker has nothing left to do, so the assertion cannot pass merely because it came too early.
 */

const POLL_MS = 25;
const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Calls `fn` until it returns without throwing and returns its value; after `timeoutMs` throws `fn`'s last error
 * (so a failing `expect` inside shows the expected and received values).
 */
export async function eventually<T>(fn: () => T | Promise<T>, { timeoutMs = 15_000 }: { timeoutMs?: number } = {}): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      return await fn();
    } catch (err) {
      if (Date.now() >= deadline) {
        if (err instanceof Error) err.message = `still failing after ${timeoutMs} ms: ${err.message}`;
        throw err;
      }
    }
    await pause(POLL_MS);
  }
}

/** What a tenant's Durable Object still has to do: unsent outbox items (queue sends, D1 snapshots, inline dispatches) or a due alarm. */
async function durableObjectWork(): Promise<string[]> {
  const busy: string[] = [];
  for (const id of await listDurableObjectIds(env.TENANT_RUNS)) {
    const stub = env.TENANT_RUNS.get(id);
    const { alarm, outbox } = await runInDurableObject(stub, async (_instance, state) => ({
      alarm: await state.storage.getAlarm(),
      outbox: (state.storage.sql.exec("SELECT count(*) AS n FROM outbox").one() as { n: number }).n,
    }));
    if (alarm !== null && alarm <= Date.now()) {
      // A due alarm fires now rather than whenever the runtime gets to it. The engine only acts on timers due by its
      // clock, so this can never fire anything early.
      await runDurableObjectAlarm(stub);
      busy.push(`${id}: alarm due`);
    }
    if (outbox > 0) busy.push(`${id}: ${outbox} outbox item(s)`);
  }
  return busy;
}

/**
 * Waits until every queue the Worker uses is idle (each message sent has been acknowledged, dead-lettered and
 * handled there, or dropped; no delivery and no `waitUntil` work is running) and no tenant's Durable Object has an
 * outbox item or a due alarm — and nothing changed while it looked. Timers due later (a poll in a minute, a retry
 * after its backoff) are not waited for: they are what the test drives with `advance()`.
 */
export async function drain({ timeoutMs = 20_000 }: { timeoutMs?: number } = {}): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const before = queueActivity();
    const busy = await durableObjectWork();
    const after = queueActivity();
    if (after.outstanding > 0) busy.push(`${after.outstanding} queue message(s) not yet handled`);
    if (after.deliveries > 0) busy.push(`${after.deliveries} queue deliveries running`);
    if (after.background > 0) busy.push(`${after.background} waitUntil task(s) running`);
    if (busy.length === 0 && before.generation === after.generation) return;
    if (Date.now() >= deadline) throw new Error(`drain: still busy after ${timeoutMs} ms: ${busy.join("; ") || "queue activity kept changing"}`);
    await pause(POLL_MS);
  }
}
