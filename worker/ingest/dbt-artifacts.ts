import type { TenantCtx } from "../db/client";
import { auditInsert, type AuditSource } from "../db/repo/platform/audit";
import { usageAddedStatements } from "../db/repo/platform/storage-usage";
import { fromBuilder, runBatch, type Stmt } from "../db/statements";
import { enforceStorageQuota } from "../retention/storage-quota";
import {
  ensureDbtProject,
  findDbtProject,
  findUploadByDedupe,
  getDbtUpload,
  loadNodeRefs,
  nodeResultStatements,
  projectUpdateStatement,
  replaceNodesStatements,
  uploadInsertStatement,
  type DbtProject,
  type DbtUpload,
} from "../db/repo/lineage/dbt";
import { deleteEdgesOf, lineagePlanStatements, storedQualityKeys, updatedDatasets } from "../db/repo/lineage/write";
import type { DatasetUpdate } from "../engine/dataset-triggers";
import { jobAndRunOwners } from "../db/repo/pipelines/ownership";
import { recordDbtRunCosts } from "../costs/derived-costs";
import type { DbtUploadSource } from "../db/schema/enums";
import { isUniqueViolation } from "../db/unique";
import { ApiError, type ErrorDetail } from "../lib/errors";
import { sha256Hex } from "../lib/hash";
import { newId } from "../lib/ids";
import type { ParsedManifest } from "../lineage/dbt-manifest";
import {
  dbtNamespace,
  dbtOrigin,
  defaultDbtNamespace,
  planDbtManifest,
  planDbtRunResults,
  type DbtNodeRef,
  type DbtTarget,
  type TuttiTaskRef,
} from "../lineage/dbt-plan";
import type { ParsedRunResults } from "../lineage/dbt-run-results";
import { IdCache } from "../lineage/ids";
import { LineagePlan, type QualityRow } from "../lineage/plan";
import type { ArtifactBody, StoredArtifact } from "./artifact";
import { readManifest, readRunResults } from "./dbt-read";
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

const namePattern = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,99}$/;

function checkName(path: string, value: string): ErrorDetail | null {
  return namePattern.test(value) ? null : { path, message: "1–100 letters, digits, '_', '.' or '-', starting with a letter or digit" };
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

/** A project another team owns is that team's to upload to: 403 naming `project`. Returns the project. */
function requireProjectWriter(project: DbtProject, writer: IngestWriter): DbtProject {
  if (project.ownerTeamId && !writer.mayWriteFor(project.ownerTeamId)) {
    throw new ApiError("forbidden", "project: this dbt project and environment belong to another team", [
      { path: "project", message: "this dbt project and environment belong to another team; only its team uploads its artifacts" },
    ]);
  }
  return project;
}

/**
 * As for OpenLineage events: a job another team owns in the project's job namespace (its tests, its invocations),
 * or a run recorded under one, is that team's — the upload is refused (403 naming `project`) rather than reporting
 * runs of, or changing, another team's jobs. Jobs nobody owns, or new ones, are open.
 */
async function refuseOthersJobs(ctx: TenantCtx, writer: IngestWriter, plan: LineagePlan, jobNamespace: string): Promise<void> {
  const owners = await jobAndRunOwners(
    ctx,
    [...plan.jobs.keys()],
    plan.runs.map((r) => r.id),
  );
  const others = [...owners.jobs.values(), ...owners.runs.values()].some((team) => team !== null && !writer.mayWriteFor(team));
  if (others) {
    const message = `jobs in ${jobNamespace} belong to another team; report your own project's runs`;
    throw new ApiError("forbidden", `project: ${message}`, [{ path: "project", message }]);
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
  const now = audit.now;
  const nameErrors = [checkName("project", input.project), checkName("environment", input.environment)].filter((e): e is ErrorDetail => e !== null);
  if (nameErrors.length) throw rejected(nameErrors);
  if (input.namespace !== undefined && input.namespace !== null && (input.namespace.trim() === "" || input.namespace.length > 512)) {
    throw rejected([{ path: "namespace", message: "1–512 characters" }]);
  }
  if (!input.manifest && !input.runResults) throw rejected([{ path: "manifest", message: "send a manifest, run_results, or both" }]);
  const { writer } = input;
  const existing = await findDbtProject(ctx, input.project, input.environment);
  if (existing) requireProjectWriter(existing, writer);

  let manifest: { stored: StoredArtifact; parsed: ParsedManifest } | null = null;
  let runResults: { stored: StoredArtifact; parsed: ParsedRunResults } | null = null;
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

  const adapterType = manifest?.parsed.metadata.adapterType ?? existing?.adapterType ?? null;
  const namespace = input.namespace?.trim() || existing?.namespace || defaultDbtNamespace(adapterType, input.project, input.environment);
  const project =
    existing ??
    requireProjectWriter(
      // A concurrent first upload of the same project may have created it, for another team.
      await ensureDbtProject(ctx, {
        id: newId("dbtProject"),
        project: input.project,
        environment: input.environment,
        namespace,
        ownerTeamId: writer.ownerTeamId,
        now,
      }),
      writer,
    );
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

  const previous = await findUploadByDedupe(ctx, project.id, dedupeKey);
  if (previous) {
    await recordCosts(await loadNodeRefs(ctx, project.id));
    return { duplicate: true, project, upload: previous, quality: [], updates: [] };
  }

  let nodeRefs: Map<string, DbtNodeRef>;
  if (manifest) nodeRefs = new Map();
  else {
    nodeRefs = await loadNodeRefs(ctx, project.id);
    if (!nodeRefs.size)
      throw rejected([
        { path: "manifest", message: "required for the first upload of this project and environment: run_results name nodes only the manifest describes" },
      ]);
  }

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
  await refuseOthersJobs(ctx, writer, plan, dbtNamespace(input.project, input.environment));

  await enforceStorageQuota(ctx, { bytes: (manifest?.stored.bytes ?? 0) + (runResults?.stored.bytes ?? 0), objects: 1 });
  // Bytes first: R2 keeps each file once per tenant, so a write that fails below leaves at most a blob the next upload
  // of the same file finds again; the upload row that names the keys is written with everything else.
  const manifestBlobKey = manifest ? await storeArtifact(ctx, input.blobs, "manifest", manifest.stored) : null;
  const runResultsBlobKey = runResults ? await storeArtifact(ctx, input.blobs, "run_results", runResults.stored) : null;
  const m = manifest?.parsed.metadata;
  const r = runResults?.parsed.metadata;
  const statements: Stmt[] = [
    ...(manifest ? [deleteEdgesOf(ctx, dbtOrigin(project.id))] : []),
    // Another team's datasets named by the project keep their own facts; their lineage is kept (docs/lineage.md).
    ...lineagePlanStatements(ctx, plan, now, { actsFor: writer.actsFor }),
    ...(manifestNodes ? replaceNodesStatements(ctx, project.id, uploadId, manifestNodes.nodes, now) : []),
    uploadInsertStatement(ctx, {
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
    }),
    ...usageAddedStatements(ctx, "dbt_upload", [uploadId]).map(fromBuilder),
    ...(runResults ? nodeResultStatements(ctx, project.id, uploadId, runResults.parsed.results) : []),
    projectUpdateStatement(ctx, project.id, {
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
    }),
    fromBuilder(
      auditInsert(ctx, audit, {
        action: "dbt.artifacts.upload",
        targetType: "dbt_upload",
        targetId: uploadId,
        teamId: project.ownerTeamId,
        details: { project: input.project, environment: input.environment, manifest: !!manifest, run_results: !!runResults, source: input.source.kind },
      }),
    ),
  ];

  let results: D1Result[];
  try {
    results = await runBatch(ctx, statements);
  } catch (err) {
    if (isUniqueViolation(err)) {
      // The same files raced in from a retry: the other request stored them.
      const winner = await findUploadByDedupe(ctx, project.id, dedupeKey);
      if (winner) return { duplicate: true, project, upload: winner, quality: [], updates: [] };
    }
    throw err;
  }
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
