import { applyBackfillAction } from "../../engine/backfill-control";
import { ApiError } from "../../lib/errors";
import { loadPipelineForRun } from "../pipeline-source";
import { createRunSync, promote } from "./admission";
import type { BackfillControlInput, BackfillControlled, BackfillRetried, BackfillRetryInput } from "./contract";
import type { RunsCore } from "./core";

/**
 * Pause, resume or cancel a backfill. Pausing keeps its queued slots queued (running ones finish); resuming starts
 * them again within its parallelism; cancelling cancels its unfinished runs, so nothing more of it starts. Asking for
 * the state it is already in changes nothing.
 */
export async function controlBackfill(core: RunsCore, input: BackfillControlInput): Promise<BackfillControlled> {
  const { store } = core;
  const current = store.backfills.get(input.backfillId);
  const change = applyBackfillAction(current.control, input.action);
  if (!change.ok) throw new ApiError("conflict", change.message);
  if (!change.changed) return { control: change.control, seq: current.seq, changed: false, cancelledRuns: 0 };
  const seq = store.backfills.set(input.backfillId, change.control);
  let cancelledRuns = 0;
  if (change.control === "cancelled") {
    for (const run of store.activeRunsOfGroup(input.backfillId)) {
      core.apply(run.id, `cancel:${run.id}`, { type: "run.cancel", reason: `backfill ${input.backfillId} cancelled by ${input.by}` });
      cancelledRuns += 1;
    }
  }
  if (change.control === "running") promote(core, input.pipelineId);
  await core.settle();
  return { control: change.control, seq, changed: true, cancelledRuns };
}

/**
 * A new run for each failed slot, queued under the backfill's parallelism (and held while it is paused). Keyed by the
 * failed run it follows, so asking twice, or twice at once, retries each failed run once.
 */
export async function retryBackfill(core: RunsCore, input: BackfillRetryInput): Promise<BackfillRetried> {
  const refuseCancelled = () => {
    if (core.store.backfills.get(input.backfillId).control === "cancelled") throw new ApiError("conflict", "backfill is cancelled");
  };
  refuseCancelled();
  const loaded = await loadPipelineForRun(core.env, input.tenantId, input.pipelineId);
  // Other calls may have run while the pipeline loaded: a cancel in between wins.
  refuseCancelled();
  const runIds: string[] = [];
  for (const slot of input.slots) {
    const created = createRunSync(
      core,
      {
        tenantId: input.tenantId,
        pipelineId: input.pipelineId,
        trigger: { kind: "backfill", by: input.by, ref: input.backfillId },
        params: slot.params,
        dedupeKey: `backfill:${input.backfillId}:${slot.logicalAt}:after:${slot.previousRunId}`,
        logicalAt: slot.logicalAt,
      },
      loaded,
      { id: input.backfillId, limit: input.parallelism },
    );
    if (!created.deduplicated) runIds.push(created.id);
  }
  promote(core, input.pipelineId);
  await core.settle();
  return { runIds };
}
