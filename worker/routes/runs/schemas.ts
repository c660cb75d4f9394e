import { z } from "@hono/zod-openapi";
import type { runs, taskAttempts, taskRuns } from "../../db/schema";
import { triggerKinds } from "../../db/schema/runs";
import { retryKinds } from "../../engine/retry-kinds";
import { runStatuses, taskStatuses } from "../../engine/states";
import { isoOrNull } from "../shared";

const TaskError = z.object({ kind: z.string(), message: z.string() }).nullable();
const TaskOutputs = z.record(z.string(), z.unknown()).nullable().openapi({
  description:
    "What the connector reported when the attempt succeeded (docs/pipelines.md#task-outputs); downstream tasks read them as ${{ tasks.<task>.outputs.<name> }}",
});

export const TaskAttemptOut = z.object({
  attempt: z.number().int(),
  status: z.string(),
  external_id: z.string().nullable(),
  external_url: z.string().nullable(),
  error: TaskError,
  outputs: TaskOutputs,
  retry_kind: z.enum(retryKinds).nullable().openapi({
    description:
      "How an attempt after the first started: `retrigger` (the work started afresh), `rerun_failed` (dbt Cloud's rerun from failure, or GitHub Actions re-running the failed jobs) or `repair` (a Databricks run repair of its failed tasks); null for a first attempt",
  }),
  queued_at: z.string().nullable(),
  started_at: z.string().nullable(),
  finished_at: z.string().nullable(),
});

export const TaskRunOut = z
  .object({
    key: z.string(),
    connector: z.string(),
    connection: z.string().nullable(),
    status: z.enum(taskStatuses),
    attempt: z.number().int(),
    depends_on: z.array(z.string()),
    external_id: z.string().nullable(),
    external_url: z.string().nullable().openapi({ description: "The tool's own page for this run" }),
    error: TaskError,
    reason: z.string().nullable(),
    no_new_data: z.boolean(),
    outputs: TaskOutputs,
    queued_at: z.string().nullable(),
    started_at: z.string().nullable(),
    finished_at: z.string().nullable(),
    attempts: z.array(TaskAttemptOut),
  })
  .openapi("TaskRun");

export const RunOut = z
  .object({
    id: z.string(),
    pipeline: z.object({ id: z.string(), name: z.string() }),
    team_id: z.string(),
    version: z.number().int(),
    status: z.enum(runStatuses),
    attempt: z.number().int().openapi({ description: "1, plus one per retry from failure" }),
    trigger: z.object({ kind: z.enum(triggerKinds), by: z.string().nullable(), ref: z.string().nullable() }),
    params: z.record(z.string(), z.unknown()),
    logical_at: z.string().nullable().openapi({ description: "The schedule slot a cron or backfill run is for" }),
    backfill_id: z.string().nullable(),
    environment: z.string().openapi({
      description: "`prod`, or the CI/dev environment the run was started in; only `prod` runs count in reliability figures and fire `after:` triggers",
    }),
    ci: z
      .object({
        pr_number: z.number().int().nullable(),
        commit_sha: z.string().nullable(),
        branch: z.string().nullable(),
        repo: z.string().nullable(),
        url: z.string().nullable(),
      })
      .nullable()
      .openapi({ description: "Pull request and commit of a run started from CI" }),
    reason: z.string().nullable(),
    queued_at: z.string(),
    started_at: z.string().nullable(),
    finished_at: z.string().nullable(),
    duration_ms: z.number().nullable(),
  })
  .openapi("Run");

export const RunDetailOut = RunOut.extend({ tasks: z.array(TaskRunOut) }).openapi("RunDetail");

export function runOut(r: typeof runs.$inferSelect): z.input<typeof RunOut> {
  return {
    id: r.id,
    pipeline: { id: r.pipelineId, name: r.pipelineName },
    team_id: r.teamId,
    version: r.version,
    status: r.status,
    attempt: r.attempt,
    trigger: { kind: r.triggerKind, by: r.triggeredBy, ref: r.triggerRef },
    params: r.params,
    logical_at: isoOrNull(r.logicalAt),
    backfill_id: r.backfillId,
    environment: r.environment,
    ci: r.ci ?? null,
    reason: r.reason,
    queued_at: new Date(r.queuedAt).toISOString(),
    started_at: isoOrNull(r.startedAt),
    finished_at: isoOrNull(r.finishedAt),
    duration_ms: r.startedAt && r.finishedAt ? r.finishedAt - r.startedAt : null,
  };
}

/** Tasks in DAG order: by depth (longest path from a root), then key, so a Gantt reads top-down. */
function dagOrder<T extends { taskKey: string; dependsOn: string[] }>(tasks: T[]): T[] {
  const byKey = new Map(tasks.map((t) => [t.taskKey, t]));
  const depth = new Map<string, number>();
  const depthOf = (key: string, seen = new Set<string>()): number => {
    if (depth.has(key)) return depth.get(key)!;
    if (seen.has(key)) return 0;
    seen.add(key);
    const deps = byKey.get(key)?.dependsOn ?? [];
    const d = deps.length ? 1 + Math.max(...deps.map((k) => depthOf(k, seen))) : 0;
    depth.set(key, d);
    return d;
  };
  return [...tasks].sort((a, b) => depthOf(a.taskKey) - depthOf(b.taskKey) || a.taskKey.localeCompare(b.taskKey));
}

export function runDetailOut(detail: {
  run: typeof runs.$inferSelect;
  tasks: Array<typeof taskRuns.$inferSelect>;
  attempts: Array<typeof taskAttempts.$inferSelect>;
}): z.input<typeof RunDetailOut> {
  return {
    ...runOut(detail.run),
    tasks: dagOrder(detail.tasks).map((t) => ({
      key: t.taskKey,
      connector: t.connector,
      connection: t.connection,
      status: t.status as (typeof taskStatuses)[number],
      attempt: t.attempt,
      depends_on: t.dependsOn,
      external_id: t.externalId,
      external_url: t.externalUrl,
      error: t.error,
      reason: t.reason,
      no_new_data: t.noNewData,
      outputs: t.outputs ?? null,
      queued_at: isoOrNull(t.queuedAt),
      started_at: isoOrNull(t.startedAt),
      finished_at: isoOrNull(t.finishedAt),
      attempts: detail.attempts
        .filter((a) => a.taskKey === t.taskKey)
        .map((a) => ({
          attempt: a.attempt,
          status: a.status,
          external_id: a.externalId,
          external_url: a.externalUrl,
          error: a.error,
          outputs: a.outputs ?? null,
          retry_kind: a.retryKind ?? null,
          queued_at: isoOrNull(a.queuedAt),
          started_at: isoOrNull(a.startedAt),
          finished_at: isoOrNull(a.finishedAt),
        })),
    })),
  };
}
