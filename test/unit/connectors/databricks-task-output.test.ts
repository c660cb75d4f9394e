import { describe, expect, it } from "vitest";
import { notebookRowsAffected, runOutputs, runRowsAffected } from "../../../worker/connectors/databricks/task-output";

/** A get-output answer of a notebook task (CONTRACTS-2 §3c: `notebook_output{result, truncated}`). */
const exited = (result: string | undefined, truncated = false) => ({
  metadata: {},
  notebook_output: { ...(result === undefined ? {} : { result }), truncated },
});

describe("Databricks notebook row counts", () => {
  it("reads rows_affected, or Delta's num_affected_rows, from a JSON object the notebook exits with", () => {
    expect(notebookRowsAffected(exited('{"rows_affected": 0}'))).toBe(0);
    expect(notebookRowsAffected(exited('{"rows_affected": 1234, "table": "main.sales.orders"}'))).toBe(1234);
    expect(notebookRowsAffected(exited('{"num_affected_rows": 7}'))).toBe(7);
    // The documented name wins when both are there.
    expect(notebookRowsAffected(exited('{"rows_affected": 3, "num_affected_rows": 9}'))).toBe(3);
  });

  it("anything else leaves the rows unknown, never zero", () => {
    for (const value of ["done", "0", "[]", "null", '{"status": "ok"}', '{"rows_affected": "0"}', '{"rows_affected": -1}', '{"rows_affected": 1.5}', "{"])
      expect(notebookRowsAffected(exited(value)), value).toBeNull();
    // No exit value, no notebook (a Python or SQL task), a value Databricks cut.
    expect(notebookRowsAffected(exited(undefined))).toBeNull();
    expect(notebookRowsAffected({ logs: "hello", logs_truncated: false })).toBeNull();
    expect(notebookRowsAffected(exited('{"rows_affected": 0}', true))).toBeNull();
  });

  it("a run's rows are known only when every task run that started reported them", () => {
    expect(runRowsAffected([0, 0])).toBe(0);
    expect(runRowsAffected([0, 5])).toBe(5);
    expect(runRowsAffected([0, null])).toBeNull();
    expect(runRowsAffected([])).toBeNull();
  });

  it("the attempt's log has each task's section, with its notebook exit value", () => {
    const task = (i: number) => ({ task_key: `t${i}`, run_id: 100 + i, start_time: 1, state: { life_cycle_state: "TERMINATED", result_state: "SUCCESS" } });
    const out = runOutputs([
      { task: task(1), output: exited('{"rows_affected": 0}') },
      { task: task(2), output: { logs: "wrote 3 rows\n", logs_truncated: false } },
    ]);
    expect(out.rowsAffected).toBeNull();
    expect(out.log).toBe(
      '===== Task t1 (run 101, SUCCESS) =====\nnotebook exit value: {"rows_affected": 0}\n\n===== Task t2 (run 102, SUCCESS) =====\nwrote 3 rows\n',
    );
  });
});
