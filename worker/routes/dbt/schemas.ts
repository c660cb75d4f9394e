import { z } from "@hono/zod-openapi";
import type { DbtNode, DbtProject, DbtUpload } from "../../db/repo/lineage/dbt";
import { actorTypes, dbtUploadSources } from "../../db/schema/enums";
import { TeamRef, teamRefOut } from "../lineage/catalog-schemas";
import { isoOrNull, timestamp } from "../shared";

export const DbtProjectOut = z
  .object({
    id: z.string().openapi({ example: "dbtp_4k2m9q0x1n5b6v7c8z3a" }),
    project: z.string().openapi({ example: "jaffle_shop" }),
    environment: z.string().openapi({ example: "prod" }),
    owner_team: TeamRef,
    dbt_project_name: z.string().nullable().openapi({ description: "metadata.project_name of the latest manifest" }),
    adapter_type: z.string().nullable(),
    namespace: z.string().openapi({ description: "Namespace given to the project's relations in the catalog" }),
    latest_upload_id: z.string().nullable(),
    latest_manifest_upload_id: z
      .string()
      .nullable()
      .openapi({ description: "The production state for Slim CI: download its manifest with GET /dbt/uploads/{id}/artifacts/manifest" }),
    node_count: z.number().int(),
    edge_count: z.number().int(),
    created_at: timestamp,
    updated_at: timestamp,
  })
  .openapi("DbtProject");

export const DbtProjectList = z.object({ items: z.array(DbtProjectOut), next_cursor: z.string().nullable() }).openapi("DbtProjectList");

export const dbtProjectOut = (p: DbtProject, teamName: string | null) => ({
  id: p.id,
  project: p.project,
  environment: p.environment,
  owner_team: teamRefOut(p.ownerTeamId, teamName),
  dbt_project_name: p.dbtProjectName,
  adapter_type: p.adapterType,
  namespace: p.namespace,
  latest_upload_id: p.latestUploadId,
  latest_manifest_upload_id: p.latestManifestUploadId,
  node_count: p.nodeCount,
  edge_count: p.edgeCount,
  created_at: new Date(p.createdAt).toISOString(),
  updated_at: new Date(p.updatedAt).toISOString(),
});

const ArtifactInfo = z.object({
  schema_version: z.number().int().nullable(),
  invocation_id: z.string().nullable(),
  bytes: z.number().int(),
  sha256: z.string(),
});

export const DbtUploadOut = z
  .object({
    id: z.string().openapi({ example: "dbtu_4k2m9q0x1n5b6v7c8z3a" }),
    project_id: z.string(),
    source: z.enum(dbtUploadSources),
    source_ref: z.record(z.string(), z.string()).openapi({ description: "Tutti run and task, or dbt Cloud run, that produced the artifacts" }),
    dbt_version: z.string().nullable(),
    manifest: ArtifactInfo.nullable(),
    run_results: ArtifactInfo.extend({
      command: z.string().nullable(),
      elapsed_seconds: z.number().nullable(),
      result_counts: z.record(z.string(), z.number().int()).openapi({ description: "dbt status → number of nodes" }),
    }).nullable(),
    invocations_match: z
      .boolean()
      .nullable()
      .openapi({ description: "Whether manifest and run_results come from the same dbt invocation (null unless both were sent)" }),
    generated_at: timestamp.nullable(),
    node_count: z.number().int(),
    edge_count: z.number().int(),
    job_run_id: z.string().nullable().openapi({ description: "The catalog run recorded for the invocation (or the Tutti task)" }),
    uploaded_by: z.object({ type: z.enum(actorTypes), id: z.string() }),
    created_at: timestamp,
  })
  .openapi("DbtUpload");

export const DbtUploadList = z.object({ items: z.array(DbtUploadOut), next_cursor: z.string().nullable() }).openapi("DbtUploadList");

export const dbtUploadOut = (u: DbtUpload) => ({
  id: u.id,
  project_id: u.projectId,
  source: u.source,
  source_ref: u.sourceRef,
  dbt_version: u.dbtVersion,
  manifest: u.manifestSha256
    ? { schema_version: u.manifestSchemaVersion, invocation_id: u.manifestInvocationId, bytes: u.manifestBytes ?? 0, sha256: u.manifestSha256 }
    : null,
  run_results: u.runResultsSha256
    ? {
        schema_version: u.runResultsSchemaVersion,
        invocation_id: u.runResultsInvocationId,
        bytes: u.runResultsBytes ?? 0,
        sha256: u.runResultsSha256,
        command: u.command,
        elapsed_seconds: u.elapsedSeconds,
        result_counts: u.resultCounts,
      }
    : null,
  invocations_match: u.manifestSha256 && u.runResultsSha256 ? u.manifestInvocationId !== null && u.manifestInvocationId === u.runResultsInvocationId : null,
  generated_at: isoOrNull(u.generatedAt),
  node_count: u.nodeCount,
  edge_count: u.edgeCount,
  job_run_id: u.jobRunId,
  uploaded_by: { type: u.uploadedByType, id: u.uploadedById },
  created_at: new Date(u.createdAt).toISOString(),
});

export const DbtNodeOut = z
  .object({
    unique_id: z.string().openapi({ example: "model.jaffle_shop.customers" }),
    resource_type: z.string(),
    name: z.string(),
    package_name: z.string().nullable(),
    path: z.string().nullable(),
    materialized: z.string().nullable(),
    node_id: z.string().openapi({ description: "The catalog dataset (ds_…) or job (job_…) for this node" }),
    defined: z.boolean().openapi({ description: "False when parent_map names the node but the manifest does not define it" }),
    description: z.string().nullable(),
    tags: z.array(z.string()),
    tested_node_ids: z.array(z.string()).openapi({ description: "Tests: the datasets the test checks" }),
    test_column: z.string().nullable(),
    last_result: z
      .object({
        status: z.string(),
        started_at: timestamp.nullable(),
        completed_at: timestamp.nullable(),
        execution_seconds: z.number().nullable(),
        upload_id: z.string().nullable(),
      })
      .nullable(),
  })
  .openapi("DbtNode");

export const DbtNodeList = z.object({ items: z.array(DbtNodeOut), next_cursor: z.string().nullable() }).openapi("DbtNodeList");

export const dbtNodeOut = (n: DbtNode) => ({
  unique_id: n.uniqueId,
  resource_type: n.resourceType,
  name: n.name,
  package_name: n.packageName,
  path: n.path,
  materialized: n.materialized,
  node_id: n.nodeId,
  defined: n.defined,
  description: n.description,
  tags: n.tags,
  tested_node_ids: n.testedNodeIds,
  test_column: n.testColumn,
  last_result: n.lastStatus
    ? {
        status: n.lastStatus,
        started_at: isoOrNull(n.lastStartedAt),
        completed_at: isoOrNull(n.lastCompletedAt),
        execution_seconds: n.lastExecutionSeconds,
        upload_id: n.lastUploadId,
      }
    : null,
});

export const UploadResult = z
  .object({
    duplicate: z.boolean().openapi({ description: "The same files were uploaded before for this project: nothing changed" }),
    project: DbtProjectOut,
    upload: DbtUploadOut,
  })
  .openapi("DbtUploadResult");
