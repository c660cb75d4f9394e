import { canonicalJson } from "./hash";
import type { NormalizedSpec, NormalizedTask, Schedule } from "./spec";

export interface SpecDiff {
  tasks_added: string[];
  tasks_removed: string[];
  /** Tasks present in both, with the fields that differ (`with.job_id`, `retries.max`, `depends_on`). */
  tasks_changed: Array<{ id: string; fields: string[] }>;
  schedule_changed: boolean;
  schedule_before: Schedule | null;
  schedule_after: Schedule | null;
  /** Everything else that differs, as paths (`concurrency.max_runs`, `params.full_refresh`, `triggers`). */
  other_changes: string[];
  /** True when nothing at all differs. */
  identical: boolean;
}

const isPlainObject = (v: unknown): v is Record<string, unknown> => typeof v === "object" && v !== null && !Array.isArray(v);
const same = (a: unknown, b: unknown) => canonicalJson(a) === canonicalJson(b);

/** Leaf paths where `a` and `b` differ; objects are walked, arrays and scalars compare whole. */
function changedPaths(a: unknown, b: unknown, prefix: string): string[] {
  if (isPlainObject(a) && isPlainObject(b)) {
    const keys = [...new Set([...Object.keys(a), ...Object.keys(b)])].sort();
    return keys.flatMap((k) => changedPaths(a[k], b[k], prefix ? `${prefix}.${k}` : k));
  }
  return same(a, b) ? [] : [prefix];
}

/**
 * What changes from `before` to `after` (pure). `before` null means the pipeline is new, so every task
 * counts as added. Task order alone is not a change: the DAG, not the list order, defines a pipeline.
 */
export function diffSpecs(before: NormalizedSpec | null, after: NormalizedSpec): SpecDiff {
  const beforeTasks = new Map<string, NormalizedTask>((before?.tasks ?? []).map((t) => [t.id, t]));
  const afterTasks = new Map<string, NormalizedTask>(after.tasks.map((t) => [t.id, t]));
  const tasks_added = after.tasks.filter((t) => !beforeTasks.has(t.id)).map((t) => t.id);
  const tasks_removed = (before?.tasks ?? []).filter((t) => !afterTasks.has(t.id)).map((t) => t.id);
  const tasks_changed = after.tasks.flatMap((t) => {
    const old = beforeTasks.get(t.id);
    if (!old) return [];
    const fields = changedPaths(old, t, "");
    return fields.length ? [{ id: t.id, fields }] : [];
  });

  const schedule_before = before?.schedule ?? null;
  const schedule_after = after.schedule;
  const schedule_changed = !same(schedule_before, schedule_after);

  const { tasks: _a, schedule: _b, ...restAfter } = after;
  const restBefore = before ? (({ tasks: _c, schedule: _d, ...rest }) => rest)(before) : {};
  const other_changes = before ? changedPaths(restBefore, restAfter, "") : [];

  return {
    tasks_added,
    tasks_removed,
    tasks_changed,
    schedule_changed,
    schedule_before,
    schedule_after,
    other_changes,
    identical: before !== null && !tasks_added.length && !tasks_removed.length && !tasks_changed.length && !schedule_changed && !other_changes.length,
  };
}
