import { and, asc, desc, eq, gt, isNotNull, isNull, lt, or, sql, type SQL } from "drizzle-orm";
import type { RawBodyRef } from "../../../blobs/raw-bodies";
import type { TenantCtx } from "../../client";
import { fromBuilder, queryAll, runBatch, stmt } from "../../statements";
import { columnLineageEdges, datasets, jobRunDatasets, jobRuns, jobs, lineageEvents, lineageFacets, teams } from "../../schema";
import { auditInsertIf, type AuditSource } from "../platform/audit";
import { datasetOwnerTeamSql, datasetWriterTeamSql } from "../pipelines/ownership";

/** Catalog reads (datasets, jobs, runs, raw events, facets) and the few catalog edits people make. */

export type Dataset = typeof datasets.$inferSelect;
export type Job = typeof jobs.$inferSelect;
export type JobRun = typeof jobRuns.$inferSelect;

/** `%` and `_` in a search text match themselves. */
const likeText = (q: string) => `%${q.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;

export interface DatasetFilter {
  q?: string;
  namespace?: string;
  name?: string;
  kind?: string;
  ownerTeamId?: string;
  after?: { namespace: string; name: string };
  limit: number;
}

/** Datasets ordered by namespace then name; `q` matches a substring of either (case-insensitive for ASCII). */
export async function listDatasets(ctx: TenantCtx, f: DatasetFilter) {
  const conds: SQL[] = [eq(datasets.tenantId, ctx.tenantId)];
  if (f.q) conds.push(or(sql`${datasets.name} LIKE ${likeText(f.q)} ESCAPE '\\'`, sql`${datasets.namespace} LIKE ${likeText(f.q)} ESCAPE '\\'`)!);
  if (f.namespace !== undefined) conds.push(eq(datasets.namespace, f.namespace));
  if (f.name !== undefined) conds.push(eq(datasets.name, f.name));
  if (f.kind) conds.push(eq(datasets.kind, f.kind));
  if (f.ownerTeamId) conds.push(sql`${datasetOwnerTeamSql(ctx.tenantId, "datasets")} = ${f.ownerTeamId}`);
  if (f.after) conds.push(or(gt(datasets.namespace, f.after.namespace), and(eq(datasets.namespace, f.after.namespace), gt(datasets.name, f.after.name)))!);
  return ctx.db
    .select(withOwner(ctx))
    .from(datasets)
    .leftJoin(teams, ownerTeamJoin(ctx))
    .where(and(...conds))
    .orderBy(asc(datasets.namespace), asc(datasets.name))
    .limit(f.limit + 1);
}

/**
 * A dataset row with what its owner is made of: the writing pipeline's team (`writerTeamId`, for
 * effectiveDatasetOwner) and the name of the effective owner team.
 */
const withOwner = (ctx: TenantCtx) => ({
  d: datasets,
  writerTeamId: sql<string | null>`${datasetWriterTeamSql(ctx.tenantId, "datasets")}`,
  teamName: teams.name,
});
const ownerTeamJoin = (ctx: TenantCtx) => and(eq(teams.tenantId, datasets.tenantId), sql`${teams.id} = ${datasetOwnerTeamSql(ctx.tenantId, "datasets")}`);

export async function getDataset(ctx: TenantCtx, id: string) {
  const [row] = await ctx.db
    .select(withOwner(ctx))
    .from(datasets)
    .leftJoin(teams, ownerTeamJoin(ctx))
    .where(and(eq(datasets.tenantId, ctx.tenantId), eq(datasets.id, id)))
    .limit(1);
  return row ?? null;
}

/** Of the given dataset ids, those in the tenant's catalog, with their last write (dataset triggers name them). */
export async function datasetsById(ctx: TenantCtx, ids: readonly string[]): Promise<Map<string, { id: string; lastWriteAt: number | null }>> {
  if (!ids.length) return new Map();
  const rows = await queryAll<{ id: string; last_write_at: number | null }>(
    ctx,
    sql`SELECT d.id, d.last_write_at FROM json_each(${JSON.stringify([...new Set(ids)])}) s JOIN datasets d ON d.tenant_id = ${ctx.tenantId} AND d.id = s.value`,
  );
  return new Map(rows.map((r) => [r.id, { id: r.id, lastWriteAt: r.last_write_at }]));
}

/** Current facets of a dataset, job or run (tombstoned ones left out), by name. */
export async function facetsOf(ctx: TenantCtx, entityId: string): Promise<Record<string, Record<string, unknown>>> {
  const rows = await ctx.db
    .select({ name: lineageFacets.name, value: lineageFacets.value })
    .from(lineageFacets)
    .where(and(eq(lineageFacets.tenantId, ctx.tenantId), eq(lineageFacets.entityId, entityId), isNotNull(lineageFacets.value)))
    .orderBy(asc(lineageFacets.name));
  return Object.fromEntries(rows.map((r) => [r.name, JSON.parse(r.value!)]));
}

export interface DatasetPatch {
  description?: string | null;
  ownerTeamId?: string | null;
  tags?: string[];
  freshness?: { cron: string; timezone: string; maxAgeMs: number } | null;
}

/**
 * Applies `patch` only if the dataset still has the owner the caller's rights were checked against (`ds`), in the
 * same statement: a hand-over landing between the check and this write makes it change nothing. Returns whether it
 * applied; the audit entry is written only when it did.
 */
export async function updateDataset(ctx: TenantCtx, audit: AuditSource, ds: Dataset, patch: DatasetPatch): Promise<boolean> {
  const set: Partial<typeof datasets.$inferInsert> = { updatedAt: audit.now };
  if (patch.description !== undefined) set.description = patch.description;
  if (patch.ownerTeamId !== undefined) set.ownerTeamId = patch.ownerTeamId;
  if (patch.tags !== undefined) set.tags = patch.tags;
  if (patch.freshness !== undefined) {
    set.freshnessCron = patch.freshness?.cron ?? null;
    set.freshnessTimezone = patch.freshness?.timezone ?? null;
    set.freshnessMaxAgeMs = patch.freshness?.maxAgeMs ?? null;
  }
  const ownerAsChecked = ds.ownerTeamId === null ? isNull(datasets.ownerTeamId) : eq(datasets.ownerTeamId, ds.ownerTeamId);
  const [updated] = await runBatch(ctx, [
    fromBuilder(
      ctx.db
        .update(datasets)
        .set(set)
        .where(and(eq(datasets.tenantId, ctx.tenantId), eq(datasets.id, ds.id), ownerAsChecked)),
    ),
    // changes(): the rows changed by the statement just before this one in the batch, i.e. the update above.
    stmt(
      auditInsertIf(
        ctx,
        audit,
        {
          action: "dataset.update",
          targetType: "dataset",
          targetId: ds.id,
          teamId: patch.ownerTeamId ?? ds.ownerTeamId,
          details: {
            fields: Object.keys(patch),
            ...(patch.ownerTeamId !== undefined ? { owner_team_id: { from: ds.ownerTeamId, to: patch.ownerTeamId } } : {}),
          },
        },
        sql`changes() = 1`,
      ),
    ),
  ]);
  return updated.meta.changes === 1;
}

/** Runs that read or wrote a dataset, newest first. */
export async function listDatasetRuns(
  ctx: TenantCtx,
  datasetId: string,
  opts: { role?: "input" | "output"; before?: { at: number; runId: string }; limit: number },
) {
  const conds: SQL[] = [eq(jobRunDatasets.tenantId, ctx.tenantId), eq(jobRunDatasets.datasetId, datasetId)];
  if (opts.role) conds.push(eq(jobRunDatasets.role, opts.role));
  if (opts.before)
    conds.push(or(lt(jobRunDatasets.at, opts.before.at), and(eq(jobRunDatasets.at, opts.before.at), lt(jobRunDatasets.runId, opts.before.runId)))!);
  return ctx.db
    .select({ io: jobRunDatasets, run: jobRuns, job: { id: jobs.id, namespace: jobs.namespace, name: jobs.name } })
    .from(jobRunDatasets)
    .innerJoin(jobRuns, and(eq(jobRuns.tenantId, jobRunDatasets.tenantId), eq(jobRuns.id, jobRunDatasets.runId)))
    .innerJoin(jobs, and(eq(jobs.tenantId, jobRuns.tenantId), eq(jobs.id, jobRuns.jobId)))
    .where(and(...conds))
    .orderBy(desc(jobRunDatasets.at), desc(jobRunDatasets.runId))
    .limit(opts.limit + 1);
}

export interface JobFilter {
  q?: string;
  namespace?: string;
  name?: string;
  after?: { namespace: string; name: string };
  limit: number;
}

export async function listJobs(ctx: TenantCtx, f: JobFilter) {
  const conds: SQL[] = [eq(jobs.tenantId, ctx.tenantId)];
  if (f.q) conds.push(or(sql`${jobs.name} LIKE ${likeText(f.q)} ESCAPE '\\'`, sql`${jobs.namespace} LIKE ${likeText(f.q)} ESCAPE '\\'`)!);
  if (f.namespace !== undefined) conds.push(eq(jobs.namespace, f.namespace));
  if (f.name !== undefined) conds.push(eq(jobs.name, f.name));
  if (f.after) conds.push(or(gt(jobs.namespace, f.after.namespace), and(eq(jobs.namespace, f.after.namespace), gt(jobs.name, f.after.name)))!);
  return ctx.db
    .select({ j: jobs, teamName: teams.name, latestState: jobRuns.state })
    .from(jobs)
    .leftJoin(teams, and(eq(teams.tenantId, jobs.tenantId), eq(teams.id, jobs.ownerTeamId)))
    .leftJoin(jobRuns, and(eq(jobRuns.tenantId, jobs.tenantId), eq(jobRuns.id, jobs.latestRunId)))
    .where(and(...conds))
    .orderBy(asc(jobs.namespace), asc(jobs.name))
    .limit(f.limit + 1);
}

export async function getJob(ctx: TenantCtx, id: string) {
  const [row] = await ctx.db
    .select({ j: jobs, teamName: teams.name })
    .from(jobs)
    .leftJoin(teams, and(eq(teams.tenantId, jobs.tenantId), eq(teams.id, jobs.ownerTeamId)))
    .where(and(eq(jobs.tenantId, ctx.tenantId), eq(jobs.id, id)))
    .limit(1);
  return row ?? null;
}

/** Runs of a job, newest first (by creation, then id). */
export async function listJobRuns(ctx: TenantCtx, jobId: string, opts: { before?: { at: number; id: string }; limit: number }) {
  const conds: SQL[] = [eq(jobRuns.tenantId, ctx.tenantId), eq(jobRuns.jobId, jobId)];
  if (opts.before) conds.push(or(lt(jobRuns.createdAt, opts.before.at), and(eq(jobRuns.createdAt, opts.before.at), lt(jobRuns.id, opts.before.id)))!);
  return ctx.db
    .select()
    .from(jobRuns)
    .where(and(...conds))
    .orderBy(desc(jobRuns.createdAt), desc(jobRuns.id))
    .limit(opts.limit + 1);
}

export async function getJobRun(ctx: TenantCtx, id: string) {
  const [row] = await ctx.db
    .select({ run: jobRuns, job: jobs })
    .from(jobRuns)
    .innerJoin(jobs, and(eq(jobs.tenantId, jobRuns.tenantId), eq(jobs.id, jobRuns.jobId)))
    .where(and(eq(jobRuns.tenantId, ctx.tenantId), eq(jobRuns.id, id)))
    .limit(1);
  return row ?? null;
}

/** Datasets a run read and wrote. */
export async function runDatasets(ctx: TenantCtx, runId: string) {
  return ctx.db
    .select({ io: jobRunDatasets, d: { id: datasets.id, namespace: datasets.namespace, name: datasets.name, kind: datasets.kind } })
    .from(jobRunDatasets)
    .innerJoin(datasets, and(eq(datasets.tenantId, jobRunDatasets.tenantId), eq(datasets.id, jobRunDatasets.datasetId)))
    .where(and(eq(jobRunDatasets.tenantId, ctx.tenantId), eq(jobRunDatasets.runId, runId)))
    .orderBy(asc(jobRunDatasets.role), asc(datasets.namespace), asc(datasets.name));
}

/** Runs of a Tutti run (its tasks), for linking a pipeline run to the models it built. */
export async function jobRunsOfTuttiRun(ctx: TenantCtx, tuttiRunId: string) {
  return ctx.db
    .select()
    .from(jobRuns)
    .where(and(eq(jobRuns.tenantId, ctx.tenantId), eq(jobRuns.tuttiRunId, tuttiRunId)));
}

export interface RawEvent {
  id: string;
  kind: string;
  eventType: string | null;
  eventTime: number;
  receivedAt: number;
  producer: string;
  sizeBytes: number;
  /** Where the body is: its R2 key, or the D1 text or gzip of an event from before R2 (worker/blobs/raw-bodies.ts reads either). */
  body: RawBodyRef;
}

/** Raw events as received, oldest first: per run, or per dataset (DatasetEvents). The bodies are the caller's to read. */
export async function listRawEvents(
  ctx: TenantCtx,
  by: { runId: string } | { datasetId: string } | { jobId: string },
  opts: { after?: { at: number; id: string }; limit: number },
): Promise<RawEvent[]> {
  const conds: SQL[] = [eq(lineageEvents.tenantId, ctx.tenantId)];
  if ("runId" in by) conds.push(eq(lineageEvents.runId, by.runId));
  else if ("datasetId" in by) conds.push(eq(lineageEvents.datasetId, by.datasetId));
  else conds.push(eq(lineageEvents.jobId, by.jobId));
  if (opts.after)
    conds.push(or(gt(lineageEvents.eventTime, opts.after.at), and(eq(lineageEvents.eventTime, opts.after.at), gt(lineageEvents.id, opts.after.id)))!);
  const rows = await ctx.db
    .select()
    .from(lineageEvents)
    .where(and(...conds))
    .orderBy(asc(lineageEvents.eventTime), asc(lineageEvents.id))
    .limit(opts.limit + 1);
  return rows.map((r) => ({
    id: r.id,
    kind: r.kind,
    eventType: r.eventType,
    eventTime: r.eventTime,
    receivedAt: r.receivedAt,
    producer: r.producer,
    sizeBytes: r.sizeBytes,
    body: { key: r.bodyBlobKey, offset: r.bodyOffset, sizeBytes: r.sizeBytes, text: r.body, gzip: r.bodyGzip as Uint8Array | ArrayBuffer | null },
  }));
}

export interface ColumnEdge {
  fromDataset: { id: string; namespace: string; name: string };
  fromField: string;
  toDataset: { id: string; namespace: string; name: string };
  toField: string;
  transformation: unknown;
}

/**
 * Column-level edges into and out of a dataset's fields. Id lists go through json_each (D1 binds at most 100
 * parameters) and drive the join, so each id is one primary-key probe.
 */
export async function columnLineageOf(ctx: TenantCtx, datasetId: string): Promise<ColumnEdge[]> {
  const rows = await ctx.db
    .select()
    .from(columnLineageEdges)
    .where(and(eq(columnLineageEdges.tenantId, ctx.tenantId), or(eq(columnLineageEdges.toDataset, datasetId), eq(columnLineageEdges.fromDataset, datasetId))))
    .orderBy(asc(columnLineageEdges.toField), asc(columnLineageEdges.fromField));
  const ids = [...new Set(rows.flatMap((r) => [r.fromDataset, r.toDataset]))];
  const names = ids.length
    ? await queryAll<{ id: string; namespace: string; name: string }>(
        ctx,
        sql`SELECT d.id, d.namespace, d.name FROM json_each(${JSON.stringify(ids)}) s CROSS JOIN datasets d ON d.tenant_id = ${ctx.tenantId} AND d.id = s.value`,
      )
    : [];
  const byId = new Map(names.map((n) => [n.id, n]));
  const ref = (id: string) => byId.get(id) ?? { id, namespace: "", name: "" };
  return rows.map((r) => ({
    fromDataset: ref(r.fromDataset),
    fromField: r.fromField,
    toDataset: ref(r.toDataset),
    toField: r.toField,
    transformation: r.transformation ? JSON.parse(r.transformation) : null,
  }));
}

/** Which of the given ids are datasets of this tenant. */
export async function existingDatasetIds(ctx: TenantCtx, ids: string[]): Promise<Set<string>> {
  if (!ids.length) return new Set();
  const rows = await queryAll<{ id: string }>(
    ctx,
    sql`SELECT d.id FROM json_each(${JSON.stringify([...new Set(ids)])}) s CROSS JOIN datasets d ON d.tenant_id = ${ctx.tenantId} AND d.id = s.value`,
  );
  return new Set(rows.map((r) => r.id));
}
