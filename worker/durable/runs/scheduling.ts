import { productionPipelineIds } from "../../db/repo/pipelines/pipelines";
import { nextSlot } from "../../engine/cron";
import { ApiError } from "../../lib/errors";
import { loadPipelineForRun, type LoadedPipeline } from "../pipeline-source";
import type { PipelineEntry } from "../run-meta";
import { createRunSync, productionPipeline } from "./admission";
import type { RunsCore } from "./core";
import { signal } from "./signals";
import { datasetId } from "../../lineage/ids";
import { isDatasetsTrigger } from "../../pipelines/triggers";
import { errorFields, log } from "../../lib/log";
import { tenantContext } from "../../db/shards";

/** Finished runs stay in the DO this long so they can be retried from failure; D1 keeps them forever. */
const KEEP_FINISHED_MS = 14 * 86_400_000;
const DAY_MS = 86_400_000;
const HOUSEKEEPING_KEY = "housekeeping";

/** One run per pipeline and cron slot, however often the slot's alarm fires. */
const cronRunKey = (pipelineId: string, slotAt: number) => `cron:${pipelineId}:${slotAt}`;

/** Re-reads a pipeline from D1 after a push, pause, resume or archive and reschedules it. */
export async function syncPipeline(core: RunsCore, tenantId: string, pipelineId: string): Promise<void> {
  await refreshPipeline(core, tenantId, pipelineId);
  await core.settle();
}

/**
 * Takes up every production pipeline D1 holds for the tenant, when the object learns its tenant: a new object, or one
 * whose storage went with its tenant's deletion and whose tenant was imported again (worker/tenant-data/import.ts).
 * Schedules, SLAs and dataset triggers are rebuilt from D1 like after a push; the caller arms the alarm.
 */
export async function adoptPipelines(core: RunsCore, tenantId: string): Promise<void> {
  for (const pipelineId of await productionPipelineIds(await tenantContext(core.env, tenantId))) await refreshPipeline(core, tenantId, pipelineId);
}

/** Re-reads pipelines another part of the object changed in D1 (the unused-product policy) and reschedules them. */
export async function resyncPipelines(core: RunsCore, tenantId: string, pipelineIds: string[]): Promise<void> {
  for (const pipelineId of pipelineIds) await refreshPipeline(core, tenantId, pipelineId);
}

async function refreshPipeline(core: RunsCore, tenantId: string, pipelineId: string): Promise<void> {
  const loaded = await loadPipelineForRun(core.env, tenantId, pipelineId).catch((err) => {
    if (err instanceof ApiError && err.code === "not_found") return null;
    throw err;
  });
  if (!loaded || loaded.archived) {
    core.store.deletePipeline(pipelineId);
    core.store.marks.keepOnly(pipelineId, []);
    core.store.clearTimer(`cron:${pipelineId}`);
    core.store.clearTimer(`sla:${pipelineId}`);
  } else {
    const entry = await entryFrom(loaded, tenantId);
    core.store.putPipeline(entry);
    // A changed trigger starts afresh; marks of the datasets it still names are kept.
    core.store.marks.keepOnly(pipelineId, entry.datasetTriggers ?? []);
    schedulePipeline(core, entry);
  }
}

async function entryFrom(loaded: LoadedPipeline, tenantId: string): Promise<PipelineEntry> {
  const datasetTriggers = await Promise.all(
    loaded.spec.triggers.flatMap((t, index) =>
      isDatasetsTrigger(t)
        ? [
            Promise.all(t.datasets.map((d) => datasetId(tenantId, d.namespace, d.name))).then((datasetIds) => ({
              index,
              datasetIds,
              mode: t.mode,
              withinMs: t.within_ms,
            })),
          ]
        : [],
    ),
  );
  return {
    datasetTriggers,
    id: loaded.pipelineId,
    name: loaded.name,
    teamId: loaded.teamId,
    paused: loaded.paused,
    // A product's unused policy may have slowed it: its cron replaces the spec's until undone (worker/products/unused-policy.ts).
    schedule: loaded.spec.schedule && loaded.scheduleOverride ? { ...loaded.spec.schedule, cron: loaded.scheduleOverride } : loaded.spec.schedule,
    triggers: loaded.spec.triggers,
    concurrency: loaded.spec.concurrency,
    sla: loaded.spec.sla,
    run: loaded,
  };
}

function schedulePipeline(core: RunsCore, entry: PipelineEntry) {
  const { store } = core;
  scheduleSla(core, entry, core.now());
  const key = `cron:${entry.id}`;
  if (entry.paused || !entry.schedule) {
    store.clearTimer(key);
    return;
  }
  const next = nextSlot(entry.schedule.cron, entry.schedule.timezone, core.now());
  const current = store.getTimer(key);
  // Keep an already-armed slot when the schedule did not move it: re-pushing must not skip or duplicate a slot.
  if (next === null) store.clearTimer(key);
  else if (!current || current.dueAt !== next) store.setTimer(key, next, { type: "cron", pipelineId: entry.id, slotAt: next }, null);
  if (!store.getTimer(HOUSEKEEPING_KEY)) store.setTimer(HOUSEKEEPING_KEY, core.now() + DAY_MS, { type: "housekeeping" }, null);
}

/**
 * Arms a scheduled pipeline's next slot, before this slot's run is created so a failure creating it never stops
 * the schedule. True when this slot should still fire (the pipeline is scheduled and active, the slot not yet run).
 */
export function armNextSlot(core: RunsCore, pipelineId: string, slotAt: number): boolean {
  const entry = core.store.getPipeline(pipelineId);
  if (!entry || entry.paused || !entry.schedule) return false;
  const next = nextSlot(entry.schedule.cron, entry.schedule.timezone, Math.max(slotAt, core.now()));
  if (next !== null) core.store.setTimer(`cron:${pipelineId}`, next, { type: "cron", pipelineId, slotAt: next }, null);
  return !core.store.findRunByDedupeKey(cronRunKey(pipelineId, slotAt));
}

/** Creates the runs of the slots due together (pipelines not yet kept in the object are read from D1 side by side). */
export async function fireCronSlots(core: RunsCore, slots: Array<{ pipelineId: string; slotAt: number }>) {
  if (!slots.length) return;
  const tenantId = core.tenantId();
  const loaded = await Promise.allSettled(slots.map((s) => productionPipeline(core, s.pipelineId)));
  slots.forEach((slot, i) => {
    const result = loaded[i];
    if (result.status === "rejected") {
      log.with({ tenantId }).error("scheduled run not created", {
        pipeline: slot.pipelineId,
        slot: new Date(slot.slotAt).toISOString(),
        ...errorFields(result.reason),
      });
      return;
    }
    // The dedupe key makes a slot that another alarm created meanwhile a no-op.
    const trigger = { kind: "cron" as const, by: null, ref: new Date(slot.slotAt).toISOString() };
    createRunSync(
      core,
      { tenantId, pipelineId: slot.pipelineId, trigger, dedupeKey: cronRunKey(slot.pipelineId, slot.slotAt), logicalAt: slot.slotAt },
      result.value,
      null,
    );
  });
}

/** At each finish_by deadline: did a production run of the pipeline succeed in the 24 h before it? */
export function checkSla(core: RunsCore, pipelineId: string, deadlineAt: number) {
  const entry = core.store.getPipeline(pipelineId);
  if (!entry?.sla) return;
  const lastSuccessAt = core.store.lastSuccessBetween(pipelineId, deadlineAt - DAY_MS, deadlineAt);
  signal(core.store, {
    type: "engine.sla_checked",
    tenantId: core.tenantId(),
    pipelineId,
    pipelineName: entry.name,
    teamId: entry.teamId,
    deadlineAt,
    finishBy: entry.sla.finish_by,
    timezone: entry.sla.timezone,
    met: lastSuccessAt !== null,
    lastSuccessAt,
    at: core.now(),
  });
  scheduleSla(core, entry, deadlineAt);
}

function scheduleSla(core: RunsCore, entry: PipelineEntry, after: number) {
  const key = `sla:${entry.id}`;
  if (entry.paused || !entry.sla) {
    core.store.clearTimer(key);
    return;
  }
  const [hh, mm] = entry.sla.finish_by.split(":").map(Number);
  const next = nextSlot(`${mm} ${hh} * * *`, entry.sla.timezone, after);
  if (next === null) core.store.clearTimer(key);
  else core.store.setTimer(key, next, { type: "sla", pipelineId: entry.id, deadlineAt: next }, null);
}

/** Once a day: finished runs past their retry window leave the object (D1 keeps them), with their dedupe records. */
export function runHousekeeping(core: RunsCore) {
  core.store.purgeFinishedBefore(core.now() - KEEP_FINISHED_MS);
  core.store.setTimer(HOUSEKEEPING_KEY, core.now() + DAY_MS, { type: "housekeeping" }, null);
}
