import type { NativeRerun, PlanTask, TaskState } from "./types";

/**
 * How a task reset by retry from failure starts its next attempt. The tool's own partial rerun when the task's tool
 * has one and its last attempt ended because the tool ran the work and reported it failed (the tool run is known and
 * its failed parts are what to run again); otherwise — the trigger itself failed, the task timed out, was cancelled or
 * skipped, or the tool has no partial rerun — null: a fresh trigger, as for any other retry.
 */
export function nativeRerunFor(plan: PlanTask, task: TaskState): NativeRerun | null {
  if (!plan.nativeRerun || task.status !== "failed" || !task.failedRun?.externalId) return null;
  return { kind: plan.nativeRerun, of: task.failedRun };
}
