import { env, runDurableObjectAlarm, runInDurableObject } from "cloudflare:test";
import { tenantRuns } from "../../worker/durable/client";
import { unwrap } from "../../worker/durable/result";
import type { DoResult } from "../../worker/durable/runs/contract";
import type { TenantRuns } from "../../worker/durable/tenant-runs";
import type { RunState } from "../../worker/engine/types";
import { api, type Session } from "./api";
import { eventually } from "./wait";

const offsets = new Map<string, number>();

/** Moves the tenant's engine clock forward and fires its alarm, as if `ms` had passed. */
export async function advance(tenantId: string, ms: number) {
  const offset = (offsets.get(tenantId) ?? 0) + ms;
  offsets.set(tenantId, offset);
  const stub = tenantRuns(env, tenantId);
  await runInDurableObject(stub, (instance) => {
    (instance as unknown as TenantRuns).clock = { now: () => Date.now() + offset };
  });
  await runDurableObjectAlarm(stub);
}

/** Fires the alarm without moving time (what a late or repeated alarm does). */
export async function fireAlarm(tenantId: string) {
  return runDurableObjectAlarm(tenantRuns(env, tenantId));
}

export async function engineState(tenantId: string, runId: string) {
  return unwrap((await tenantRuns(env, tenantId).getRunState(tenantId, runId)) as DoResult<RunState | null>);
}

type RunDetail = { id: string; status: string; tasks: Array<{ key: string; status: string; attempt: number; [k: string]: unknown }>; [k: string]: unknown };

/** Reads the run until `predicate` holds (bounded): queue deliveries are asynchronous. */
export async function waitForRun(as: Session | string, runId: string, predicate: (run: RunDetail) => boolean, timeoutMs = 15_000): Promise<RunDetail> {
  return eventually(
    async () => {
      const res = await api(`/runs/${runId}`, { as });
      if (res.status !== 200) throw new Error(`GET /runs/${runId}: ${res.status} ${res.text}`);
      const run = res.json as RunDetail;
      if (!predicate(run)) throw new Error(`run ${runId} did not reach the expected state; last: ${JSON.stringify(run, null, 1)}`);
      return run;
    },
    { timeoutMs },
  );
}

export const taskStatus = (run: RunDetail) => Object.fromEntries(run.tasks.map((t) => [t.key, t.status]));
export const isTerminal = (run: { status: string }) => ["succeeded", "failed", "cancelled", "timed_out", "skipped"].includes(run.status);

/** Sets the tenant's engine clock to an absolute time (for schedules across DST changes). */
export async function setEngineTime(tenantId: string, atMs: number) {
  const offset = atMs - Date.now();
  offsets.set(tenantId, offset);
  await runInDurableObject(tenantRuns(env, tenantId), (instance) => {
    (instance as unknown as TenantRuns).clock = { now: () => Date.now() + offset };
  });
}

/** Timers currently armed in the tenant's Durable Object. */
export async function engineTimers(tenantId: string): Promise<Array<{ key: string; due_at: number; event: string }>> {
  return runInDurableObject(
    tenantRuns(env, tenantId),
    (_instance, state) =>
      state.storage.sql.exec("SELECT key, due_at, event FROM timers ORDER BY due_at").toArray() as Array<{ key: string; due_at: number; event: string }>,
  );
}
