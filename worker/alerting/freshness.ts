import type { TenantCtx } from "../db/client";
import { findUnresolved, SYSTEM_ACTOR, unresolvedOfKind } from "../db/repo/alerting/alerts";
import { datasetOwnership, type DatasetOwnership } from "../db/repo/pipelines/ownership";
import { tenantRuns } from "../durable/client";
import { unwrap } from "../durable/result";
import { nextSlot } from "../engine/cron";
import type { Env } from "../env";
import { freshnessStatus } from "../lineage/freshness";
import type { AlertWatchPayload } from "../queues/notify-messages";
import type { RaiseIntent } from "./intents";
import { defaultSeverity } from "./kinds";
import { applyIntent, resolveAlert } from "./lifecycle";

/**
 * Freshness breaches are found by timers, not by runs: each dataset with an expected freshness has a Durable Object
 * watch at its next deadline, so a breach is noticed even when nothing ran at all. While a breach is unresolved it is
 * re-checked every RECHECK_MS (writes can come from any OpenLineage producer, not only Tutti runs), and right after
 * every successful production run.
 */

export const RECHECK_MS = 15 * 60_000;
export const freshnessWatchKey = (datasetId: string) => `alert-freshness:${datasetId}`;
export const recheckWatchKey = (datasetId: string) => `alert-freshness-recheck:${datasetId}`;
export const freshnessKey = (datasetId: string) => `dataset:${datasetId}:freshness`;

/** "07:00 Europe/London on 2026-11-25": a deadline as its owners think of it. */
export function localDeadline(at: number, timezone: string): string {
  const parts = new Intl.DateTimeFormat("en-CA", {
    timeZone: timezone,
    year: "numeric",
    month: "2-digit",
    day: "2-digit",
    hour: "2-digit",
    minute: "2-digit",
    hourCycle: "h23",
  }).formatToParts(new Date(at));
  const get = (type: string) => parts.find((p) => p.type === type)?.value ?? "";
  return `${get("hour")}:${get("minute")} ${timezone} on ${get("year")}-${get("month")}-${get("day")}`;
}

const policyOf = (ds: DatasetOwnership) =>
  ds.freshness ? { cron: ds.freshness.cron, timezone: ds.freshness.timezone, maxAgeMs: ds.freshness.maxAgeMs ?? 24 * 3_600_000 } : null;

/**
 * Arms (or clears) the watch for a dataset's next freshness deadline after `now`. Call it whenever a dataset's
 * expected freshness is set, changed or removed (PATCH /datasets/{id}); the watch re-arms itself after each deadline.
 */
export async function syncFreshnessWatch(env: Env, ctx: TenantCtx, datasetId: string, now: number): Promise<void> {
  const ds = (await datasetOwnership(ctx, [datasetId])).get(datasetId);
  const policy = ds ? policyOf(ds) : null;
  const stub = tenantRuns(env, ctx.tenantId);
  const next = policy ? nextSlot(policy.cron, policy.timezone, now) : null;
  if (next === null) {
    unwrap(await stub.clearWatch(ctx.tenantId, freshnessWatchKey(datasetId)));
    return;
  }
  unwrap(await stub.setWatch(ctx.tenantId, freshnessWatchKey(datasetId), next, { kind: "freshness", datasetId, deadline: next } satisfies AlertWatchPayload));
}

function breachIntent(ds: DatasetOwnership, deadline: number, timezone: string, maxAgeMs: number, at: number): RaiseIntent {
  const expected = localDeadline(deadline, timezone);
  const lastWrite = ds.lastWriteAt ? new Date(ds.lastWriteAt).toISOString() : "never";
  return {
    action: "raise",
    signalKey: `freshness:${ds.id}:${deadline}`,
    at,
    kind: "freshness_breached",
    severity: defaultSeverity.freshness_breached,
    dedupeKey: freshnessKey(ds.id),
    title: `${ds.name} is stale`,
    summary: `${ds.name} was expected to be updated by ${expected}, with a successful write in the ${Math.round(maxAgeMs / 3_600_000)} h before; last successful write: ${lastWrite}.`,
    subject: { type: "dataset", id: ds.id, name: ds.name },
    owner: { datasetId: ds.id },
    pipeline: null,
    runId: null,
    details: {
      dataset_id: ds.id,
      namespace: ds.namespace,
      deadline: new Date(deadline).toISOString(),
      expected_by: expected,
      max_age_ms: maxAgeMs,
      last_write_at: ds.lastWriteAt ? new Date(ds.lastWriteAt).toISOString() : null,
      writer_pipeline: ds.writerPipeline,
    },
    impactFrom: { datasetId: ds.id },
    cause: `${ds.name} was not updated by ${expected}`,
  };
}

/** A deadline passed: raise a breach if the last successful write is too old, then arm the next deadline. */
export async function checkDeadline(env: Env, ctx: TenantCtx, datasetId: string, deadline: number, at: number): Promise<void> {
  const ds = (await datasetOwnership(ctx, [datasetId])).get(datasetId);
  const policy = ds ? policyOf(ds) : null;
  if (!ds || !policy) return;
  const fresh = ds.lastWriteAt !== null && ds.lastWriteAt >= deadline - policy.maxAgeMs;
  const stub = tenantRuns(env, ctx.tenantId);
  if (!fresh) {
    await applyIntent(env, ctx, breachIntent(ds, deadline, policy.timezone, policy.maxAgeMs, at));
    unwrap(
      await stub.setWatch(ctx.tenantId, recheckWatchKey(datasetId), at + RECHECK_MS, { kind: "freshness_recheck", datasetId } satisfies AlertWatchPayload),
    );
  }
  await syncFreshnessWatch(env, ctx, datasetId, Math.max(deadline, at));
}

/** Resolves a dataset's breach once it is fresh again (or no longer has an expectation); keeps checking otherwise. */
export async function recheck(env: Env, ctx: TenantCtx, datasetId: string, at: number): Promise<void> {
  const alert = await findUnresolved(ctx, freshnessKey(datasetId));
  if (!alert) return;
  const ds = (await datasetOwnership(ctx, [datasetId])).get(datasetId);
  const policy = ds ? policyOf(ds) : null;
  if (!ds || !policy) {
    await resolveAlert(env, ctx, alert, { at, actor: SYSTEM_ACTOR, reason: "The dataset no longer has an expected freshness.", signalKey: null });
    return;
  }
  if (freshnessStatus(policy, ds.lastWriteAt, at).state === "fresh") {
    await resolveAlert(env, ctx, alert, {
      at,
      actor: SYSTEM_ACTOR,
      reason: `${ds.name} is fresh again: successful write at ${new Date(ds.lastWriteAt!).toISOString()}.`,
      signalKey: null,
    });
    unwrap(await tenantRuns(env, ctx.tenantId).clearWatch(ctx.tenantId, recheckWatchKey(datasetId)));
    return;
  }
  unwrap(
    await tenantRuns(env, ctx.tenantId).setWatch(ctx.tenantId, recheckWatchKey(datasetId), at + RECHECK_MS, {
      kind: "freshness_recheck",
      datasetId,
    } satisfies AlertWatchPayload),
  );
}

/** After a successful production run: datasets it wrote may be fresh again, so every open breach is re-checked now. */
export async function recheckAll(env: Env, ctx: TenantCtx, at: number): Promise<void> {
  for (const alert of await unresolvedOfKind(ctx, "freshness_breached")) await recheck(env, ctx, alert.subjectId, at);
}
