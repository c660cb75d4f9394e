import { sendDbtQualitySignals } from "../alerting/quality-signals";
import { announceDbtDatasetUpdates } from "../lineage/dataset-updates";
import type { CollectSink, DbtNodeWrites } from "../connectors/types";
import type { TenantCtx } from "../db/client";
import { rowsWrittenByUpload } from "../db/repo/lineage/dbt";
import { ingestDbtArtifacts } from "../ingest/dbt-artifacts";
import { ingestWriter } from "../ingest/writer";
import type { NotifySender } from "./notify-messages";
import { log } from "../lib/log";

const engineActor = { actor: { type: "system" as const, id: "engine", label: "run engine" } };

type DbtArtifactsInput = Parameters<CollectSink["dbtArtifacts"]>[0];

/** The task run whose artifacts these are (a `CollectTarget` of collect.ts). */
interface ArtifactsOf {
  teamId: string;
  runId: string;
  taskKey: string;
}

/**
 * Files a finished dbt Cloud run's artifacts through the same ingest as `POST /dbt/artifacts`: per-model
 * results, tests, timings and lineage. The ingest recognises files it has seen (content hash), so collecting
 * the same run twice changes nothing. Answers what the upload's run results say each node wrote (also for a
 * collect that found the files already stored).
 */
export async function ingestCollectedDbtArtifacts(
  ctx: TenantCtx,
  target: ArtifactsOf,
  input: DbtArtifactsInput,
  now: number,
  blobs: R2Bucket,
  notify?: NotifySender,
): Promise<DbtNodeWrites> {
  const result = await ingestDbtArtifacts(
    ctx,
    { principal: engineActor, ip: null, requestId: null, now },
    {
      project: input.project,
      environment: input.environment,
      manifest: input.manifest,
      runResults: input.runResults,
      source: { kind: "dbt_cloud", runId: input.dbtCloudRun.runId, jobId: input.dbtCloudRun.jobId, accountId: input.dbtCloudRun.accountId },
      // The run's pipeline uploads for its team, with that team's rights over what the artifacts name.
      writer: ingestWriter(target.teamId, [target.teamId]),
      blobs,
    },
  );
  if (notify) {
    await sendDbtQualitySignals(notify, ctx, input.environment, result.quality);
    // The models this task's dbt run built: a run triggered by them is one hop further down the chain than this run.
    const byThisRun = result.updates.map((u) => ({ ...u, runId: u.runId ?? target.runId }));
    await announceDbtDatasetUpdates(notify, ctx.tenantId, input.environment, byThisRun);
  }
  log.with({ tenantId: ctx.tenantId }).info("dbt artifacts collected", {
    run_id: target.runId,
    task: target.taskKey,
    upload_id: result.upload.id,
    duplicate: result.duplicate,
  });
  return rowsWrittenByUpload(ctx, result.upload.id);
}
