/**
 * Dataset triggers (`triggers: [{datasets: [...], mode, within}]`), as pure logic: what one "dataset updated" signal
 * does to a trigger's record of which datasets have updated since it last fired, and whether the trigger fires now.
 * The Durable Object keeps the marks (worker/durable/runs/dataset-triggers.ts); nothing here does I/O.
 */

export type DatasetTriggerMode = "any" | "all";

export interface DatasetTriggerDef {
  datasetIds: readonly string[];
  mode: DatasetTriggerMode;
  /** `all` only: the updates must lie within this much of each other. */
  withinMs: number | null;
}

/** One dataset's state within one trigger. */
export interface DatasetMark {
  /** Last write not yet used by a run of the trigger; null when none. */
  pendingAt: number | null;
  /** The Tutti run whose task made that write, when known (a triggered run's chain depth follows it). */
  pendingRun: string | null;
  /** The newest write a run of the trigger has already been started for. */
  consumedAt: number | null;
}

export interface DatasetUpdate {
  datasetId: string;
  /** The dataset's new last write (its freshness), ms. */
  at: number;
  runId: string | null;
}

export interface DatasetTriggerFire {
  /** The updates the run is started for, one per dataset, sorted by dataset id. */
  updates: DatasetUpdate[];
}

export const emptyMark = (): DatasetMark => ({ pendingAt: null, pendingRun: null, consumedAt: null });

/**
 * Applies one update. A write no newer than what the trigger already saw (a duplicate signal, a late retry, an older
 * event arriving after a newer one) changes nothing, so copies of one update fire at most once. `any` fires on every
 * newer write; `all` once every dataset has a pending write and the oldest of them is at most `withinMs` before the
 * newest. Firing consumes the pending writes.
 */
export function applyDatasetUpdate(
  def: DatasetTriggerDef,
  marks: ReadonlyMap<string, DatasetMark>,
  update: DatasetUpdate,
): { marks: Map<string, DatasetMark>; changed: boolean; fire: DatasetTriggerFire | null } {
  const next = new Map(def.datasetIds.map((id) => [id, { ...(marks.get(id) ?? emptyMark()) }]));
  const mark = next.get(update.datasetId);
  if (!mark) return { marks: next, changed: false, fire: null };
  const seen = Math.max(mark.pendingAt ?? -Infinity, mark.consumedAt ?? -Infinity);
  if (update.at <= seen) return { marks: next, changed: false, fire: null };
  mark.pendingAt = update.at;
  mark.pendingRun = update.runId;
  const pending = [...next.entries()].filter(([, m]) => m.pendingAt !== null);
  const ready =
    def.mode === "any"
      ? [[update.datasetId, mark] as const]
      : pending.length === def.datasetIds.length && spread(pending.map(([, m]) => m.pendingAt!)) <= (def.withinMs ?? Infinity)
        ? pending
        : null;
  if (!ready) return { marks: next, changed: true, fire: null };
  const updates = ready
    .map(([datasetId, m]) => ({ datasetId, at: m.pendingAt!, runId: m.pendingRun }))
    .sort((a, b) => (a.datasetId < b.datasetId ? -1 : a.datasetId > b.datasetId ? 1 : 0));
  for (const [, m] of ready) {
    m.consumedAt = m.pendingAt;
    m.pendingAt = null;
    m.pendingRun = null;
  }
  return { marks: next, changed: true, fire: { updates } };
}

const spread = (times: number[]) => Math.max(...times) - Math.min(...times);

/** One run per set of updates, however often their signals arrive: the key names each dataset's write. */
export function datasetRunKey(pipelineId: string, triggerIndex: number, fire: DatasetTriggerFire): string {
  return `datasets:${pipelineId}:${triggerIndex}:${fire.updates.map((u) => `${u.datasetId}@${u.at}`).join(",")}`;
}
