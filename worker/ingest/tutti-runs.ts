import type { TenantCtx } from "../db/client";
import { runBatch } from "../db/statements";
import { lineagePlanStatements, updatedDatasets } from "../db/repo/lineage/write";
import type { DatasetUpdate } from "../engine/dataset-triggers";
import { TUTTI_ORIGIN } from "../lineage/dbt-plan";
import { IdCache } from "../lineage/ids";
import { TUTTI_JOB_NAMESPACE } from "../lineage/namespaces";
import { LineagePlan } from "../lineage/plan";

export interface DatasetRef {
  namespace: string;
  name: string;
}

/** A Tutti task run as the catalog sees it: a run of the job `tutti / <pipeline>.<task>`. */
export interface TuttiTaskRunInput {
  runId: string;
  taskKey: string;
  pipeline: string;
  /** Owner of the job (and of datasets it creates): the pipeline's team. */
  teamId: string | null;
  state: "running" | "succeeded" | "failed" | "cancelled";
  startedAt: number | null;
  endedAt: number | null;
  errorMessage?: string | null;
  /** Datasets the task read and wrote, when its connector knows them. */
  inputs?: DatasetRef[];
  outputs?: DatasetRef[];
}

/**
 * Records (or updates) a Tutti task run in the lineage catalog, with its inputs and outputs as edges of the
 * task's job; a succeeded run moves its outputs' freshness forward — of datasets its pipeline's team owns, or nobody does. Idempotent: the same transition written
 * twice changes nothing more. For dbt tasks, ingestDbtArtifacts with source { kind: "tutti" } does this from
 * run_results, linking the task to every model it built.
 */
export async function recordTuttiTaskRun(
  ctx: TenantCtx,
  input: TuttiTaskRunInput,
  now: number,
): Promise<{ jobId: string; jobRunId: string; updates: DatasetUpdate[] }> {
  const ids = new IdCache(ctx.tenantId);
  const plan = new LineagePlan();
  const jobName = `${input.pipeline}.${input.taskKey}`;
  const jobId = await ids.job(TUTTI_JOB_NAMESPACE, jobName);
  const externalId = `${input.runId}:${input.taskKey}`;
  const jobRunId = await ids.run("tutti", externalId);
  const eventTime = input.endedAt ?? input.startedAt ?? now;
  plan.addJob({
    id: jobId,
    namespace: TUTTI_JOB_NAMESPACE,
    name: jobName,
    kind: "task",
    integration: "TUTTI",
    processingType: "BATCH",
    ownerTeamId: input.teamId,
    latestRunId: jobRunId,
    latestRunAt: eventTime,
  });
  plan.addRun({
    id: jobRunId,
    jobId,
    source: "tutti",
    externalId,
    state: input.state,
    eventType: null,
    eventTime,
    startedAt: input.startedAt,
    endedAt: input.state === "running" ? null : input.endedAt,
    nominalStartAt: null,
    parentExternalId: null,
    parentJobId: null,
    errorMessage: input.errorMessage ?? null,
    tuttiRunId: input.runId,
    tuttiTaskKey: input.taskKey,
  });
  for (const [role, list] of [
    ["input", input.inputs ?? []],
    ["output", input.outputs ?? []],
  ] as const) {
    for (const ref of list) {
      const id = await ids.dataset(ref.namespace, ref.name);
      const wrote = role === "output" && input.state === "succeeded";
      plan.addDataset({
        id,
        namespace: ref.namespace,
        name: ref.name,
        kind: null,
        ownerTeamId: input.teamId,
        lastWriteAt: wrote ? eventTime : null,
        lastWriteRunId: wrote ? jobRunId : null,
      });
      plan.addEdge(
        role === "input" ? { from: id, to: jobId, kind: "input", origin: TUTTI_ORIGIN } : { from: jobId, to: id, kind: "output", origin: TUTTI_ORIGIN },
      );
      plan.addRunIo({ runId: jobRunId, datasetId: id, role, rowCount: null, bytes: null, fileCount: null, facets: null, at: eventTime });
    }
  }
  // The run speaks for its pipeline's team, as that team's token would: of another team's dataset it records the
  // lineage (this task read or wrote it) but not its freshness, kind or owner, decided inside the write.
  const results = await runBatch(ctx, lineagePlanStatements(ctx, plan, now, { actsFor: input.teamId === null ? [] : [input.teamId] }));
  return { jobId, jobRunId, updates: updatedDatasets(results) };
}
