import { sectionedLog } from "../../logs/format";
import { field, num, str } from "../tool-http";

/**
 * What the task runs of an ended Databricks job run left in `runs/get-output` (CONTRACTS-2 §3c): the attempt's log
 * (each task's stdout/stderr, error and trace) and the rows its notebooks say they changed. No I/O.
 *
 * Databricks reports no row counts of its own. A notebook reports them by the value it exits with:
 * `dbutils.notebook.exit(json.dumps({"rows_affected": n}))` (`num_affected_rows`, the column Delta's MERGE, UPDATE
 * and DELETE results carry, is read too). Anything else — no exit value, text, a cut-off value, a count that is not a
 * whole number ≥ 0 — leaves the rows unknown, never zero.
 */

/** Field names of the row count in a notebook's exit value, in order of preference. */
export const ROW_COUNT_FIELDS = ["rows_affected", "num_affected_rows"] as const;
/** How much of a notebook's exit value the attempt's log shows. */
const EXIT_VALUE_IN_LOG = 1000;

/** Rows one task run's notebook reported changing, or null when it reported none it could be held to. */
export function notebookRowsAffected(output: unknown): number | null {
  const notebook = field(output, "notebook_output");
  const result = str(field(notebook, "result"));
  // A value Databricks cut (it keeps the first 5 MB) is not the value the notebook exited with.
  if (result === null || field(notebook, "truncated") === true) return null;
  let parsed: unknown;
  try {
    parsed = JSON.parse(result);
  } catch {
    return null;
  }
  for (const name of ROW_COUNT_FIELDS) {
    const value = field(parsed, name);
    if (value === undefined) continue;
    return typeof value === "number" && Number.isSafeInteger(value) && value >= 0 ? value : null;
  }
  return null;
}

/**
 * Rows the whole run changed: known only when every task run that started reported its count (one that did not
 * may have written anything), so a job with a task that reports nothing never counts as having changed nothing.
 */
export function runRowsAffected(perTask: Array<number | null>): number | null {
  if (!perTask.length || perTask.some((n) => n === null)) return null;
  return perTask.reduce<number>((sum, n) => sum + (n ?? 0), 0);
}

/** Task runs that started: only they have an output (a task not reached, or excluded, has none). */
export const startedTasks = (tasks: unknown[]) => tasks.filter((t) => num(field(t, "run_id")) !== null && field(t, "start_time"));

/** One task run's section of the attempt's log. */
export function taskLogSection(task: unknown, output: unknown) {
  const notebook = field(output, "notebook_output");
  const exit = str(field(notebook, "result"));
  const parts = [
    str(field(output, "logs")),
    field(output, "logs_truncated") === true ? "[Databricks kept only the last 5 MB of this task's output]" : null,
    exit !== null
      ? `notebook exit value${field(notebook, "truncated") === true ? " (cut by Databricks)" : ""}: ${exit.length > EXIT_VALUE_IN_LOG ? `${exit.slice(0, EXIT_VALUE_IN_LOG)}…` : exit}`
      : null,
    str(field(output, "error")) ? `error: ${str(field(output, "error"))}` : null,
    str(field(output, "error_trace")),
  ].filter((p): p is string => Boolean(p));
  const state = str(field(field(task, "state"), "result_state")) ?? str(field(field(task, "state"), "life_cycle_state")) ?? "unknown";
  return { title: `Task ${str(field(task, "task_key")) ?? "?"} (run ${num(field(task, "run_id"))}, ${state})`, text: parts.join("\n") };
}

/** The attempt's log and row count from each started task run and its output. */
export function runOutputs(outputs: Array<{ task: unknown; output: unknown }>): { log: string | null; rowsAffected: number | null } {
  return {
    log: outputs.length ? sectionedLog(outputs.map((o) => taskLogSection(o.task, o.output))) : null,
    rowsAffected: runRowsAffected(outputs.map((o) => notebookRowsAffected(o.output))),
  };
}
