import type { TenantCtx } from "../db/client";
import { auditInsertIf, type AuditSource } from "../db/repo/platform/audit";
import { usageAddedStatements } from "../db/repo/platform/storage-usage";
import { fromBuilder, queryAll, runBatch, stmt, type Stmt } from "../db/statements";
import { enforceStorageQuota } from "../retention/storage-quota";
import {
  findDbtProject,
  findUploadByDedupe,
  getDbtUpload,
  loadNodeRefs,
  newDbtProject,
  nodeResultStatements,
  projectInsertStatement,
  projectUpdateStatement,
  replaceNodesStatements,
  uploadInsertStatement,
  type DbtProject,
  type DbtUpload,
  uploadStoredSql,
} from "../db/repo/lineage/dbt";
import { deleteEdgesOf, lineagePlanStatements, storedQualityKeys, updatedDatasets } from "../db/repo/lineage/write";
import type { DatasetUpdate } from "../engine/dataset-triggers";
import { recordDbtRunCosts } from "../costs/derived-costs";
import type { DbtUploadSource } from "../db/schema/enums";
import { isUniqueViolation } from "../db/unique";
import { ApiError, type ErrorDetail } from "../lib/errors";
import { sha256Hex } from "../lib/hash";
import { newId } from "../lib/ids";
import type { ParsedManifest } from "../lineage/dbt-manifest";
import { dbtOrigin, defaultDbtNamespace, planDbtManifest, planDbtRunResults, type DbtNodeRef, type DbtTarget, type TuttiTaskRef } from "../lineage/dbt-plan";
import type { ParsedRunResults } from "../lineage/dbt-run-results";
import { IdCache } from "../lineage/ids";
import { LineagePlan, type QualityRow } from "../lineage/plan";
import type { ArtifactBody, StoredArtifact } from "./artifact";
import { readManifest, readRunResults } from "./dbt-read";
import { projectNameError, requireProjectWriter, uploadChecks, uploadRefusal } from "./dbt-upload-rules";
import { storeArtifact } from "./stored-artifact";
import { othersDatasets, type IngestWriter } from "./writer";

/** Where an upload came from: the API/CLI, the dbt Cloud connector after a run, or a Tutti task that ran dbt. */
export type DbtArtifactsSource =
  | { kind: "api" }
  | { kind: "dbt_cloud"; runId: string; jobId?: string; accountId?: string }
  | ({ kind: "tutti" } & TuttiTaskRef);

export interface DbtArtifactsInput {
  /** Tutti's name for the dbt project, and the environment the artifacts describe (prod, ci, …). */
  project: string;
  environment: string;
  /** Namespace for relations; defaults to the project's, else `bigquery` for BigQuery, else dbt://<project>/<environment>. */
  namespace?: string | null;
  manifest?: ArtifactBody | null;
  runResults?: ArtifactBody | null;
  source: DbtArtifactsSource;
  /**
   * Who uploads: owner of a project (and of datasets and jobs) this upload creates — the uploading token's team —
   * and the teams whose project and datasets it may change.
   */
  writer: IngestWriter;
  /** The R2 bucket the files are stored in (`env.BLOBS`), under this tenant's keys. */
  blobs: R2Bucket;
}

export interface DbtIngestResult {
  /** True when the same files were uploaded before for this project: nothing changed. */
  duplicate: boolean;
  project: DbtProject;
  upload: DbtUpload;
  /** Test results this upload stored (none for a duplicate), for quality alerts. */
  quality: QualityRow[];
  /** Datasets whose freshness this upload moved (none for a duplicate), for dataset triggers. */
  updates: DatasetUpdate[];
}

function rejected(details: ErrorDetail[]): ApiError {
  return new ApiError("validation_failed", `${details[0].path}: ${details[0].message}`, details);
}

function sourceRefOf(source: DbtArtifactsSource): Record<string, string> {
  switch (source.kind) {
    case "api":
      return {};
    case "dbt_cloud":
      return { run_id: source.runId, ...(source.jobId ? { job_id: source.jobId } : {}), ...(source.accountId ? { account_id: source.accountId } : {}) };
    case "tutti":
      return { run_id: source.runId, task_key: source.taskKey, pipeline: source.pipeline };
  }
}

/**
 * Ingests dbt artifacts for a project and environment: stores the files (gzip, in R2 by content hash), turns the manifest into
 * catalog nodes and parent_map edges, and run_results into node statuses, dataset freshness and test results.
 * The same files uploaded twice are recognised (SHA-256) and change nothing. Used by POST /api/v1/dbt/artifacts,
 * the dbt Cloud connector after each run, and Tutti tasks that run dbt (source.kind "tutti" links the task's
 * job run to the models it built). Throws ApiError validation_failed / payload_too_large on bad input.
 */
export async function ingestDbtArtifacts(ctx: TenantCtx, audit: AuditSource, input: DbtArtifactsInput): Promise<DbtIngestResult> {
  const badName = projectNameError(input);
  if (badName) throw badName;
  if (input.namespace !== undefined && input.namespace !== null && (input.namespace.trim() === "" || input.namespace.length > 512)) {
    throw rejected([{ path: "namespace", message: "1–512 characters" }]);
  }
  if (!input.manifest && !input.runResults) throw rejected([{ path: "manifest", message: "send a manifest, run_results, or both" }]);
  const { writer } = input;
  const existing = await findDbtProject(ctx, input.project, input.environment);
  if (existing) requireProjectWriter(existing, writer);

  let manifest: ReadArtifact<ParsedManifest> | null = null;
  let runResults: ReadArtifact<ParsedRunResults> | null = null;
  if (input.manifest) {
    const read = await readManifest(input.manifest);
    if (!read.parsed.ok) throw rejected(read.parsed.errors);
    manifest = { stored: read.stored, parsed: read.parsed.manifest };
  }
  if (input.runResults) {
    const read = await readRunResults(input.runResults);
    if (!read.parsed.ok) throw rejected(read.parsed.errors);
    runResults = { stored: read.stored, parsed: read.parsed.runResults };
  }

  if (existing) return uploadTo(ctx, audit, input, existing, false, manifest, runResults);
  const adapterType = manifest?.parsed.metadata.adapterType ?? null;
  const created = newDbtProject(ctx, {
    id: newId("dbtProject"),
    project: input.project,
    environment: input.environment,
    namespace: input.namespace?.trim() || defaultDbtNamespace(adapterType, input.project, input.environment),
    ownerTeamId: writer.ownerTeamId,
    now: audit.now,
  });
  try {
    return await uploadTo(ctx, audit, input, created, true, manifest, runResults);
  } catch (err) {
    if (!isUniqueViolation(err)) throw err;
    // Another first upload of this project and environment created it meanwhile (a refused one creates nothing):
    // this upload goes to that project, if the writer may upload to it.
    const other = await findDbtProject(ctx, input.project, input.environment);
    if (!other) throw err;
    return uploadTo(ctx, audit, input, requireProjectWriter(other, writer), false, manifest, runResults);
  }
}

interface ReadArtifact<T> {
  stored: StoredArtifact;
  parsed: T;
}

/** The upload of parsed artifacts to `project`, which this upload's batch creates when `isNew`. */
async function uploadTo(
  ctx: TenantCtx,
  audit: AuditSource,
  input: DbtArtifactsInput,
  project: DbtProject,
  isNew: boolean,
  manifest: ReadArtifact<ParsedManifest> | null,
  runResults: ReadArtifact<ParsedRunResults> | null,
): Promise<DbtIngestResult> {
  const now = audit.now;
  const { writer } = input;
  const adapterType = manifest?.parsed.metadata.adapterType ?? project.adapterType ?? null;
  const namespace = input.namespace?.trim() || (isNew ? null : project.namespace) || defaultDbtNamespace(adapterType, input.project, input.environment);
  const ownerTeamId = project.ownerTeamId ?? writer.ownerTeamId;

  const dedupeKey = await sha256Hex(`${manifest?.stored.sha256 ?? "-"}:${runResults?.stored.sha256 ?? "-"}`);
  // Warehouse cost the results report (BigQuery bytes billed); idempotent, so a re-upload records nothing twice.
  // Cost is not put on another team's datasets, and a record another team holds is not replaced.
  const recordCosts = async (refs: Map<string, DbtNodeRef>) => {
    if (!runResults) return 0;
    const others = await othersDatasets(
      ctx,
      writer,
      [...refs.values()].map((r) => r.nodeId),
    );
    return recordDbtRunCosts(
      ctx,
      {
        adapterType,
        namespace,
        results: runResults.parsed.results,
        generatedAt: runResults.parsed.metadata.generatedAt ?? now,
        nodeIdOf: (id) => {
          const nodeId = refs.get(id)?.nodeId ?? null;
          return nodeId && !others.has(nodeId) ? nodeId : null;
        },
        task: input.source.kind === "tutti" ? { runId: input.source.runId, taskKey: input.source.taskKey } : null,
        ownerTeamId,
        actsFor: writer.actsFor,
      },
      now,
    );
  };

  const previous = isNew ? null : await findUploadByDedupe(ctx, project.id, dedupeKey);
  if (previous) {
    await recordCosts(await loadNodeRefs(ctx, project.id));
    return { duplicate: true, project, upload: previous, quality: [], updates: [] };
  }

  let nodeRefs: Map<string, DbtNodeRef>;
  if (manifest || isNew) nodeRefs = new Map();
  else nodeRefs = await loadNodeRefs(ctx, project.id);
  if (!manifest && !nodeRefs.size)
    throw rejected([
      { path: "manifest", message: "required for the first upload of this project and environment: run_results name nodes only the manifest describes" },
    ]);

  const uploadId = newId("dbtUpload");
  const target: DbtTarget = {
    projectId: project.id,
    project: input.project,
    environment: input.environment,
    namespace,
    ownerTeamId,
  };
  const plan = new LineagePlan();
  const ids = new IdCache(ctx.tenantId);
  let manifestNodes: Awaited<ReturnType<typeof planDbtManifest>> | null = null;
  if (manifest) {
    manifestNodes = await planDbtManifest(plan, ids, manifest.parsed, target, now);
    for (const n of manifestNodes.nodes)
      nodeRefs.set(n.uniqueId, { nodeId: n.nodeId, resourceType: n.resourceType, name: n.name, testedNodeIds: n.testedNodeIds, testColumn: n.testColumn });
  }
  const tutti = input.source.kind === "tutti" ? { runId: input.source.runId, taskKey: input.source.taskKey, pipeline: input.source.pipeline } : null;
  const rrPlan = runResults ? await planDbtRunResults(plan, ids, runResults.parsed, nodeRefs, target, { uploadId, now, tutti }) : null;

  const checks = uploadChecks(ctx, writer, input, plan);
  // Asked once before the bytes are stored, so a refused upload stores none; the batch asks again to be sure.
  const early = uploadRefusal(await queryAll<{ refused_kind: string }>(ctx, checks.refused), input);
  if (early) throw early;

  await enforceStorageQuota(ctx, { bytes: (manifest?.stored.bytes ?? 0) + (runResults?.stored.bytes ?? 0), objects: 1 });
  // Bytes first: R2 keeps each file once per tenant, so a write that fails below leaves at most a blob the next upload
  // of the same file finds again; the upload row that names the keys is written with everything else.
  const manifestBlobKey = manifest ? await storeArtifact(ctx, input.blobs, "manifest", manifest.stored) : null;
  const runResultsBlobKey = runResults ? await storeArtifact(ctx, input.blobs, "run_results", runResults.stored) : null;
  const m = manifest?.parsed.metadata;
  const r = runResults?.parsed.metadata;
  // The checks and the write are one batch: the project (when new) and the upload row are stored only if the checks
  // find nothing refused, and every later statement only if the upload row is there. So a project or job another
  // team creates while this upload is on its way is respected, and a refused upload leaves nothing behind.
  const stored = uploadStoredSql(ctx, uploadId);
  const statements: Stmt[] = [
    stmt(checks.refused),
    ...(isNew ? [projectInsertStatement(project, checks.none)] : []),
    uploadInsertStatement(
      ctx,
      {
        id: uploadId,
        projectId: project.id,
        source: input.source.kind as DbtUploadSource,
        sourceRef: sourceRefOf(input.source),
        dedupeKey,
        dbtVersion: m?.dbtVersion ?? r?.dbtVersion ?? null,
        manifestSchemaVersion: m?.schemaVersion ?? null,
        runResultsSchemaVersion: r?.schemaVersion ?? null,
        manifestInvocationId: m?.invocationId ?? null,
        runResultsInvocationId: r?.invocationId ?? null,
        command: runResults?.parsed.command ?? null,
        generatedAt: r?.generatedAt ?? m?.generatedAt ?? null,
        elapsedSeconds: runResults?.parsed.elapsedSeconds ?? null,
        manifestBytes: manifest?.stored.bytes ?? null,
        manifestSha256: manifest?.stored.sha256 ?? null,
        runResultsBytes: runResults?.stored.bytes ?? null,
        runResultsSha256: runResults?.stored.sha256 ?? null,
        manifestBlobKey,
        runResultsBlobKey,
        nodeCount: manifestNodes ? manifestNodes.nodes.length : project.nodeCount,
        edgeCount: manifestNodes ? manifestNodes.edgeCount : project.edgeCount,
        resultCounts: rrPlan?.counts ?? {},
        jobRunId: rrPlan?.jobRunId ?? null,
        uploadedByType: audit.principal.actor.type,
        uploadedById: audit.principal.actor.id,
        createdAt: now,
      },
      checks.none,
    ),
    ...(manifest ? [deleteEdgesOf(ctx, dbtOrigin(project.id), stored)] : []),
    // Another team's datasets named by the project keep their own facts; their lineage is kept (docs/lineage.md).
    ...lineagePlanStatements(ctx, plan, now, { actsFor: writer.actsFor, onlyIf: stored }),
    ...(manifestNodes ? replaceNodesStatements(ctx, project.id, uploadId, manifestNodes.nodes, now, stored) : []),
    // Usage counts the upload row under its id, so it counts nothing when the row was not stored.
    ...usageAddedStatements(ctx, "dbt_upload", [uploadId]).map(fromBuilder),
    ...(runResults ? nodeResultStatements(ctx, project.id, uploadId, runResults.parsed.results, stored) : []),
    projectUpdateStatement(
      ctx,
      project.id,
      {
        latestUploadId: uploadId,
        namespace,
        updatedAt: now,
        ...(manifestNodes && m
          ? {
              latestManifestUploadId: uploadId,
              nodeCount: manifestNodes.nodes.length,
              edgeCount: manifestNodes.edgeCount,
              dbtProjectName: m.projectName,
              adapterType: m.adapterType,
            }
          : {}),
      },
      stored,
    ),
    stmt(
      auditInsertIf(
        ctx,
        audit,
        {
          action: "dbt.artifacts.upload",
          targetType: "dbt_upload",
          targetId: uploadId,
          teamId: project.ownerTeamId,
          details: { project: input.project, environment: input.environment, manifest: !!manifest, run_results: !!runResults, source: input.source.kind },
        },
        stored,
      ),
    ),
  ];

  let results: D1Result[];
  try {
    results = await runBatch(ctx, statements);
  } catch (err) {
    if (isUniqueViolation(err) && !isNew) {
      // The same files raced in from a retry: the other request stored them.
      const winner = await findUploadByDedupe(ctx, project.id, dedupeKey);
      if (winner) return { duplicate: true, project, upload: winner, quality: [], updates: [] };
    }
    throw err;
  }
  const refused = uploadRefusal(results[0].results as Array<{ refused_kind: string }>, input);
  if (refused) throw refused;
  // Retention deletes a blob once no upload names it; should it have checked just before this upload's row landed,
  // the bytes are put back while they are still at hand (a no-op when the blob is there, as it nearly always is).
  if (manifest) await storeArtifact(ctx, input.blobs, "manifest", manifest.stored);
  if (runResults) await storeArtifact(ctx, input.blobs, "run_results", runResults.stored);
  const [fresh, upload] = await Promise.all([findDbtProject(ctx, input.project, input.environment), getDbtUpload(ctx, uploadId)]);
  await recordCosts(nodeRefs);
  const storedQuality = storedQualityKeys(results);
  return {
    duplicate: false,
    project: fresh!,
    upload: upload!,
    quality: [...plan.quality.values()].filter((q) => storedQuality.has(q.dedupeKey)),
    updates: updatedDatasets(results),
  };
}
