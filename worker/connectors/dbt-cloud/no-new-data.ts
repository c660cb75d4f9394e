import type { DbtNodeWrites } from "../types";

/** Nodes that write to the warehouse; tests, operations and sources write nothing. */
const WRITERS = ["model.", "seed.", "snapshot."];
/** Statuses of a node that ran and wrote (or, for no-op and reused, had nothing to write: dbt 1.10+). */
const WROTE = new Set(["success"]);
const WROTE_NOTHING = new Set(["no-op", "reused"]);

/**
 * Whether a dbt run changed no data, from its run results: every model, seed and snapshot it ran either reports
 * `adapter_response.rows_affected` 0 or did nothing (`no-op`, `reused`), and there was at least one. A node without
 * rows_affected (adapters that do not report it, e.g. a view on Postgres answers -1) or with another status (error,
 * skipped) means the run says nothing about new data: its downstream tasks run.
 */
export function dbtRunChangedNothing(writes: DbtNodeWrites): boolean {
  const writers = writes.filter((w) => WRITERS.some((prefix) => w.uniqueId.startsWith(prefix)));
  if (!writers.length) return false;
  return writers.every((w) => WROTE_NOTHING.has(w.status) || (WROTE.has(w.status) && w.rowsAffected === 0));
}
