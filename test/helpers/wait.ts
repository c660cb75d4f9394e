import { env, listDurableObjectIds, runDurableObjectAlarm, runInDurableObject } from "cloudflare:test";
import { tenantRuns } from "../../worker/durable/client";
import { wallNow } from "../../worker/lib/time";
import { NO_TENANT, queueActivity } from "./queue-tracking";

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

/** Tenants signed up by the running test (api.ts `signup` notes them; setup.ts forgets them before each test). */
const testTenants = new Set<string>();
export const noteTestTenant = (tenantId: string) => void testTenants.add(tenantId);
export const forgetTestTenants = () => testTenants.clear();

/** What the tenant's Durable Object still has to do: unsent outbox items (queue sends, D1 snapshots, inline dispatches) or a due alarm. */
async function durableObjectWork(label: string, stub: DurableObjectStub): Promise<string[]> {
  const { alarm, outbox } = await runInDurableObject(stub, async (_instance, state) => ({
    alarm: await state.storage.getAlarm(),
    outbox: (state.storage.sql.exec("SELECT count(*) AS n FROM outbox").one() as { n: number }).n,
  }));
  const busy: string[] = [];
  // Alarms are wall-clock time, which a pinned test run (test/clock) does not shift.
  if (alarm !== null && alarm <= wallNow()) {
    // A due alarm fires now rather than whenever the runtime gets to it. The engine only acts on timers due by its
    // clock, so this can never fire anything early.
    await runDurableObjectAlarm(stub);
    busy.push(`${label}: alarm due`);
  }
  if (outbox > 0) busy.push(`${label}: ${outbox} outbox item(s)`);
  return busy;
}

/**
 * Waits until the Worker has nothing left to do for the tenants the running test signed up (for every tenant if it
 * signed up none): each queue message sent for them has been acknowledged, or dead-lettered and handled there; no
 * `waitUntil` work runs; their Durable Objects have no outbox item and no due alarm — and nothing changed while it
 * looked. Timers due later (a poll in a minute, a retry after its backoff) are not waited for: tests drive those with
 * `advance()`. Scoping to the test's tenants keeps a run that an earlier test left polling from holding it up.
 * Cannot succeed while a fake holds a request (the delivery waiting on it is unsettled).
 */
export async function drain({ timeoutMs = 20_000 }: { timeoutMs?: number } = {}): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const before = queueActivity();
    const objects = testTenants.size
      ? [...testTenants].map((tenantId) => [tenantId, tenantRuns(env, tenantId)] as const)
      : (await listDurableObjectIds(env.TENANT_RUNS)).map((id) => [id.toString(), env.TENANT_RUNS.get(id)] as const);
    const busy: string[] = [];
    for (const [label, stub] of objects) busy.push(...(await durableObjectWork(label, stub)));
    const after = queueActivity();
    const watched = testTenants.size ? [NO_TENANT, ...testTenants] : [...after.outstanding.keys()];
    for (const tenantId of watched) {
      const n = after.outstanding.get(tenantId) ?? 0;
      if (n > 0) busy.push(`${n} queue message(s) for ${tenantId || "no tenant"} not yet settled`);
    }
    if (after.background > 0) busy.push(`${after.background} waitUntil task(s) running`);
    if (busy.length === 0 && before.generation === after.generation) return;
    if (Date.now() >= deadline) throw new Error(`drain: still busy after ${timeoutMs} ms: ${busy.join("; ") || "queue activity kept changing"}`);
    await pause(POLL_MS);
  }
}
