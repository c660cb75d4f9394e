import { applyDatasetUpdate, datasetRunKey, type DatasetUpdate } from "../../engine/dataset-triggers";
import type { DatasetTriggerState } from "./contract";
import type { RunsCore } from "./core";

/**
 * "Dataset updated" signals (worker/lineage/dataset-updates.ts) meet the tenant's dataset triggers here. For each
 * active pipeline watching an updated dataset, the trigger's marks move (engine/dataset-triggers.ts) in one
 * synchronous block, and a trigger that fires queues its run under a key naming the writes it uses, so a signal
 * delivered twice — or two copies at the same moment — starts one run.
 */
export async function datasetsUpdated(core: RunsCore, updates: readonly DatasetUpdate[]): Promise<{ fired: number }> {
  const { store } = core;
  const ordered = [...updates].sort((a, b) => a.at - b.at);
  let fired = 0;
  for (const entry of store.pipelinesWatching(new Set(ordered.map((u) => u.datasetId)))) {
    for (const trigger of entry.datasetTriggers ?? []) {
      let marks = store.marks.of(entry.id, trigger.index);
      let changed = false;
      for (const update of ordered) {
        const result = applyDatasetUpdate(trigger, marks, update);
        marks = result.marks;
        changed ||= result.changed;
        if (!result.fire) continue;
        fired++;
        // The run is as deep in a trigger chain as the deepest Tutti run whose write it uses, plus one.
        const depths = result.fire.updates.flatMap((u) => (u.runId ? [(store.getRun(u.runId)?.meta.chainDepth ?? 0) + 1] : []));
        core.pendingUpstream.push({
          kind: "dataset",
          pipelineId: entry.id,
          dedupeKey: datasetRunKey(entry.id, trigger.index, result.fire),
          ref: result.fire.updates.map((u) => u.datasetId).join(","),
          chainDepth: Math.max(0, ...depths),
        });
      }
      if (changed) store.marks.put(entry.id, trigger.index, marks);
    }
  }
  await core.settle();
  return { fired };
}

/** Per dataset trigger of a pipeline, which datasets have a write not yet used by a run, and the last one used. */
export function datasetTriggerState(core: RunsCore, pipelineId: string): DatasetTriggerState[] {
  const entry = core.store.getPipeline(pipelineId);
  return (entry?.datasetTriggers ?? []).map((t) => {
    const marks = core.store.marks.of(pipelineId, t.index);
    return {
      index: t.index,
      datasets: t.datasetIds.map((id) => ({ datasetId: id, pendingAt: marks.get(id)?.pendingAt ?? null, consumedAt: marks.get(id)?.consumedAt ?? null })),
    };
  });
}
