import type { DatasetMark } from "../engine/dataset-triggers";

/**
 * Per pipeline and dataset trigger, what the object knows of each watched dataset: when it was last updated
 * (pending), by which run, and when a run consumed it (worker/engine/dataset-triggers.ts decides with them).
 */
export class DatasetMarkStore {
  constructor(private readonly sql: SqlStorage) {}

  /** One dataset trigger's marks, by dataset id. */
  of(pipelineId: string, triggerIndex: number): Map<string, DatasetMark> {
    const rows = this.sql
      .exec(
        "SELECT dataset_id, pending_at, pending_run, consumed_at FROM dataset_trigger_marks WHERE pipeline_id = ? AND trigger_index = ?",
        pipelineId,
        triggerIndex,
      )
      .toArray();
    return new Map(
      rows.map((r) => [
        r.dataset_id as string,
        { pendingAt: r.pending_at as number | null, pendingRun: r.pending_run as string | null, consumedAt: r.consumed_at as number | null },
      ]),
    );
  }

  put(pipelineId: string, triggerIndex: number, marks: ReadonlyMap<string, DatasetMark>) {
    for (const [datasetId, m] of marks) {
      this.sql.exec(
        `INSERT INTO dataset_trigger_marks (pipeline_id, trigger_index, dataset_id, pending_at, pending_run, consumed_at) VALUES (?, ?, ?, ?, ?, ?)
         ON CONFLICT (pipeline_id, trigger_index, dataset_id) DO UPDATE SET pending_at = excluded.pending_at, pending_run = excluded.pending_run, consumed_at = excluded.consumed_at`,
        pipelineId,
        triggerIndex,
        datasetId,
        m.pendingAt,
        m.pendingRun,
        m.consumedAt,
      );
    }
  }

  /** Drops a pipeline's marks except those of the (trigger index, dataset id) pairs it still has. */
  keepOnly(pipelineId: string, keep: ReadonlyArray<{ index: number; datasetIds: readonly string[] }>) {
    const pairs = keep.flatMap((t) => t.datasetIds.map((id) => `${t.index}:${id}`));
    this.sql.exec(
      "DELETE FROM dataset_trigger_marks WHERE pipeline_id = ? AND (trigger_index || ':' || dataset_id) NOT IN (SELECT value FROM json_each(?))",
      pipelineId,
      JSON.stringify(pairs),
    );
  }
}
