import { and, asc, desc, eq, gt, lt, or, sql, type SQL } from "drizzle-orm";
import type { DbtResult } from "../../../lineage/dbt-run-results";
import type { DbtNodeRef, DbtNodeRow } from "../../../lineage/dbt-plan";
import type { TenantCtx } from "../../client";
import { dbtNodeResults, dbtNodes, dbtProjects, dbtUploads, teams } from "../../schema";
import { fromBuilder, insertRowIf, stmt, type Stmt } from "../../statements";
import { ownedByNobodyOrSql, type ActsFor } from "../pipelines/ownership";
import { chunkRows } from "../../bulk";

/** dbt projects per environment, their artifact uploads (bytes in R2; legacy D1 chunks), manifest nodes and run results. */

export type DbtProject = typeof dbtProjects.$inferSelect;
export type DbtUpload = typeof dbtUploads.$inferSelect;
export type DbtNode = typeof dbtNodes.$inferSelect;
export type DbtNodeResult = typeof dbtNodeResults.$inferSelect;

export async function findDbtProject(ctx: TenantCtx, project: string, environment: string) {
  const [row] = await ctx.db
    .select()
    .from(dbtProjects)
    .where(and(eq(dbtProjects.tenantId, ctx.tenantId), eq(dbtProjects.project, project), eq(dbtProjects.environment, environment)))
    .limit(1);
  return row ?? null;
}

export async function getDbtProject(ctx: TenantCtx, id: string) {
  const [row] = await ctx.db
    .select({ p: dbtProjects, teamName: teams.name })
    .from(dbtProjects)
    .leftJoin(teams, and(eq(teams.tenantId, dbtProjects.tenantId), eq(teams.id, dbtProjects.ownerTeamId)))
    .where(and(eq(dbtProjects.tenantId, ctx.tenantId), eq(dbtProjects.id, id)))
    .limit(1);
  return row ?? null;
}

export async function listDbtProjects(ctx: TenantCtx, opts: { after?: { project: string; environment: string }; limit: number }) {
  const conds: SQL[] = [eq(dbtProjects.tenantId, ctx.tenantId)];
  if (opts.after) {
    conds.push(
      or(gt(dbtProjects.project, opts.after.project), and(eq(dbtProjects.project, opts.after.project), gt(dbtProjects.environment, opts.after.environment)))!,
    );
  }
  return ctx.db
    .select({ p: dbtProjects, teamName: teams.name })
    .from(dbtProjects)
    .leftJoin(teams, and(eq(teams.tenantId, dbtProjects.tenantId), eq(teams.id, dbtProjects.ownerTeamId)))
    .where(and(...conds))
    .orderBy(asc(dbtProjects.project), asc(dbtProjects.environment))
    .limit(opts.limit + 1);
}

/**
 * SQL: a SELECT of `(refused_kind, refused_id)` naming the project row for (project, environment) when it belongs
 * to a team a writer acting for `actsFor` does not act for — in an upload's batch with othersJobsCheck, so a first
 * upload by another team that lands meanwhile is seen.
 */
export function othersProjectSql(ctx: TenantCtx, actsFor: ActsFor, project: string, environment: string): SQL {
  return sql`SELECT 'project' AS refused_kind, p.id AS refused_id FROM dbt_projects p
    WHERE p.tenant_id = ${ctx.tenantId} AND p.project = ${project} AND p.environment = ${environment} AND NOT (${ownedByNobodyOrSql(actsFor, sql`p.owner_team_id`)})`;
}

/**
 * A new project's row, to insert in its first upload's batch (insertRowIf), so an upload refused there leaves no
 * project behind. A concurrent first upload creating it too fails on the unique (project, environment) key.
 */
export function newDbtProject(
  ctx: TenantCtx,
  input: { id: string; project: string; environment: string; namespace: string; ownerTeamId: string | null; now: number },
): DbtProject {
  return {
    tenantId: ctx.tenantId,
    id: input.id,
    project: input.project,
    environment: input.environment,
    ownerTeamId: input.ownerTeamId,
    dbtProjectName: null,
    adapterType: null,
    namespace: input.namespace,
    latestUploadId: null,
    latestManifestUploadId: null,
    nodeCount: 0,
    edgeCount: 0,
    createdAt: input.now,
    updatedAt: input.now,
  };
}

/** SQL condition: the upload `uploadId` is stored. What else an upload writes is conditioned on it: one lookup, not the whole check again. */
export const uploadStoredSql = (ctx: TenantCtx, uploadId: string): SQL =>
  sql`EXISTS (SELECT 1 FROM dbt_uploads u WHERE u.tenant_id = ${ctx.tenantId} AND u.id = ${uploadId})`;

export async function findUploadByDedupe(ctx: TenantCtx, projectId: string, dedupeKey: string) {
  const [row] = await ctx.db
    .select()
    .from(dbtUploads)
    .where(and(eq(dbtUploads.tenantId, ctx.tenantId), eq(dbtUploads.projectId, projectId), eq(dbtUploads.dedupeKey, dedupeKey)))
    .limit(1);
  return row ?? null;
}

export async function getDbtUpload(ctx: TenantCtx, id: string) {
  const [row] = await ctx.db
    .select()
    .from(dbtUploads)
    .where(and(eq(dbtUploads.tenantId, ctx.tenantId), eq(dbtUploads.id, id)))
    .limit(1);
  return row ?? null;
}

export async function listDbtUploads(ctx: TenantCtx, projectId: string, opts: { before?: { at: number; id: string }; limit: number }) {
  const conds: SQL[] = [eq(dbtUploads.tenantId, ctx.tenantId), eq(dbtUploads.projectId, projectId)];
  if (opts.before) conds.push(or(lt(dbtUploads.createdAt, opts.before.at), and(eq(dbtUploads.createdAt, opts.before.at), lt(dbtUploads.id, opts.before.id)))!);
  return ctx.db
    .select()
    .from(dbtUploads)
    .where(and(...conds))
    .orderBy(desc(dbtUploads.createdAt), desc(dbtUploads.id))
    .limit(opts.limit + 1);
}

/** What run_results need from a project's latest manifest when an upload carries run_results alone. */
export async function loadNodeRefs(ctx: TenantCtx, projectId: string): Promise<Map<string, DbtNodeRef>> {
  const rows = await ctx.db
    .select({
      uniqueId: dbtNodes.uniqueId,
      nodeId: dbtNodes.nodeId,
      resourceType: dbtNodes.resourceType,
      name: dbtNodes.name,
      tested: dbtNodes.testedNodeIds,
      testColumn: dbtNodes.testColumn,
    })
    .from(dbtNodes)
    .where(and(eq(dbtNodes.tenantId, ctx.tenantId), eq(dbtNodes.projectId, projectId)));
  return new Map(
    rows.map((r) => [r.uniqueId, { nodeId: r.nodeId, resourceType: r.resourceType, name: r.name, testedNodeIds: r.tested, testColumn: r.testColumn }]),
  );
}

export interface DbtNodeFilter {
  resourceType?: string;
  q?: string;
  after?: string;
  limit: number;
}

export async function listDbtNodes(ctx: TenantCtx, projectId: string, f: DbtNodeFilter) {
  const conds: SQL[] = [eq(dbtNodes.tenantId, ctx.tenantId), eq(dbtNodes.projectId, projectId)];
  if (f.resourceType) conds.push(eq(dbtNodes.resourceType, f.resourceType));
  if (f.q) conds.push(sql`${dbtNodes.uniqueId} LIKE ${`%${f.q.replace(/[\\%_]/g, (c) => `\\${c}`)}%`} ESCAPE '\\'`);
  if (f.after) conds.push(gt(dbtNodes.uniqueId, f.after));
  return ctx.db
    .select()
    .from(dbtNodes)
    .where(and(...conds))
    .orderBy(asc(dbtNodes.uniqueId))
    .limit(f.limit + 1);
}

/** History of one node's results across uploads, newest first. */
export async function listDbtNodeResults(ctx: TenantCtx, projectId: string, uniqueId: string, limit: number) {
  return ctx.db
    .select()
    .from(dbtNodeResults)
    .where(and(eq(dbtNodeResults.tenantId, ctx.tenantId), eq(dbtNodeResults.projectId, projectId), eq(dbtNodeResults.uniqueId, uniqueId)))
    .orderBy(desc(dbtNodeResults.completedAt))
    .limit(limit);
}

/** What one upload's run results say each node wrote: its unique id, status and the adapter's rows_affected. */
export async function rowsWrittenByUpload(ctx: TenantCtx, uploadId: string): Promise<Array<{ uniqueId: string; status: string; rowsAffected: number | null }>> {
  return ctx.db
    .select({ uniqueId: dbtNodeResults.uniqueId, status: dbtNodeResults.status, rowsAffected: dbtNodeResults.rowsAffected })
    .from(dbtNodeResults)
    .where(and(eq(dbtNodeResults.tenantId, ctx.tenantId), eq(dbtNodeResults.uploadId, uploadId)));
}

const v = (i: number) => sql.raw(`r.value ->> '$[${i}]'`);

/**
 * Upserts the nodes of a new manifest (keeping each node's last result) and removes the nodes an older
 * manifest of the project had and this one does not.
 */
export function replaceNodesStatements(ctx: TenantCtx, projectId: string, uploadId: string, nodes: DbtNodeRow[], now: number, onlyIf: SQL): Stmt[] {
  const t = ctx.tenantId;
  const rows = nodes.map((n) => [
    n.uniqueId,
    n.resourceType,
    n.name,
    n.packageName,
    n.path,
    n.materialized,
    n.nodeId,
    n.defined ? 1 : 0,
    n.description ? n.description.slice(0, 2000) : null,
    JSON.stringify(n.tags),
    JSON.stringify(n.testedNodeIds),
    n.testColumn,
  ]);
  return [
    ...chunkRows(rows).map((p) =>
      stmt(sql`
        INSERT INTO dbt_nodes (tenant_id, project_id, unique_id, resource_type, name, package_name, path, materialized, node_id, defined,
          description, tags, tested_node_ids, test_column, manifest_upload_id, updated_at)
        SELECT ${t}, ${projectId}, ${v(0)}, ${v(1)}, ${v(2)}, ${v(3)}, ${v(4)}, ${v(5)}, ${v(6)}, ${v(7)}, ${v(8)}, ${v(9)}, ${v(10)}, ${v(11)}, ${uploadId}, ${now}
        FROM json_each(${p}) r WHERE ${onlyIf}
        ON CONFLICT (tenant_id, project_id, unique_id) DO UPDATE SET
          resource_type = excluded.resource_type, name = excluded.name, package_name = excluded.package_name, path = excluded.path,
          materialized = excluded.materialized, node_id = excluded.node_id, defined = excluded.defined, description = excluded.description,
          tags = excluded.tags, tested_node_ids = excluded.tested_node_ids, test_column = excluded.test_column,
          manifest_upload_id = excluded.manifest_upload_id, updated_at = excluded.updated_at`),
    ),
    stmt(sql`DELETE FROM dbt_nodes WHERE tenant_id = ${t} AND project_id = ${projectId} AND manifest_upload_id <> ${uploadId} AND ${onlyIf}`),
  ];
}

/** Stores run_results entries and moves each node's "last result" forward (never back to an older run), if `onlyIf` holds. */
export function nodeResultStatements(ctx: TenantCtx, projectId: string, uploadId: string, results: DbtResult[], onlyIf: SQL): Stmt[] {
  const t = ctx.tenantId;
  const rows = results.map((r) => [
    r.uniqueId,
    r.status,
    r.executionSeconds,
    r.startedAt,
    r.completedAt,
    r.rowsAffected,
    r.bytesProcessed,
    r.bytesBilled,
    r.slotMs,
    r.queryId,
    r.failures,
    r.message ? r.message.slice(0, 4000) : null,
    r.threadId,
    JSON.stringify(r.adapterResponse),
  ]);
  const payloads = chunkRows(rows);
  return [
    ...payloads.map((p) =>
      stmt(sql`
        INSERT INTO dbt_node_results (tenant_id, upload_id, unique_id, project_id, status, execution_seconds, started_at, completed_at, rows_affected,
          bytes_processed, bytes_billed, slot_ms, query_id, failures, message, thread_id, adapter_response)
        SELECT ${t}, ${uploadId}, ${v(0)}, ${projectId}, ${v(1)}, ${v(2)}, ${v(3)}, ${v(4)}, ${v(5)}, ${v(6)}, ${v(7)}, ${v(8)}, ${v(9)}, ${v(10)}, ${v(11)}, ${v(12)}, ${v(13)}
        FROM json_each(${p}) r WHERE ${onlyIf}
        ON CONFLICT (tenant_id, upload_id, unique_id) DO NOTHING`),
    ),
    ...payloads.map((p) =>
      stmt(sql`
        WITH r AS MATERIALIZED (
          SELECT value ->> '$[0]' AS unique_id, value ->> '$[1]' AS status, value ->> '$[2]' AS seconds, value ->> '$[3]' AS started, value ->> '$[4]' AS completed
          FROM json_each(${p}))
        UPDATE dbt_nodes SET last_status = r.status, last_execution_seconds = r.seconds, last_started_at = r.started, last_completed_at = r.completed, last_upload_id = ${uploadId}
        FROM r
        WHERE dbt_nodes.tenant_id = ${t} AND dbt_nodes.project_id = ${projectId} AND dbt_nodes.unique_id = r.unique_id
          AND (dbt_nodes.last_completed_at IS NULL OR coalesce(r.completed, 0) >= dbt_nodes.last_completed_at) AND ${onlyIf}`),
    ),
  ];
}

/** The upload row, stored only if `onlyIf` holds (the upload's ownership checks). */
export function uploadInsertStatement(ctx: TenantCtx, row: Omit<typeof dbtUploads.$inferInsert, "tenantId">, onlyIf: SQL): Stmt {
  return insertRowIf(dbtUploads, { ...row, tenantId: ctx.tenantId }, onlyIf);
}

/** A new project's row, stored only if `onlyIf` holds. */
export function projectInsertStatement(project: DbtProject, onlyIf: SQL): Stmt {
  return insertRowIf(dbtProjects, project, onlyIf);
}

export function projectUpdateStatement(ctx: TenantCtx, projectId: string, set: Partial<typeof dbtProjects.$inferInsert>, onlyIf: SQL): Stmt {
  return fromBuilder(
    ctx.db
      .update(dbtProjects)
      .set(set)
      .where(and(eq(dbtProjects.tenantId, ctx.tenantId), eq(dbtProjects.id, projectId), onlyIf)),
  );
}
