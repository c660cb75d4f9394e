import { sql, type SQL } from "drizzle-orm";
import { newId } from "../../../lib/ids";
import type { LineagePlan, WriteRow } from "../../../lineage/plan";
import type { DatasetUpdate } from "../../../engine/dataset-triggers";
import type { TenantCtx } from "../../client";
import { bulkStatements as bulk, payloadValue as v } from "../../bulk";
import { stmt, type Stmt } from "../../statements";
import { datasetOpenToSql, mayChangeDatasetSql, type ActsFor } from "../pipelines/ownership";

/**
 * Applies a LineagePlan as bulk upserts: each table gets one `INSERT … SELECT … FROM json_each(?)` per ~0.5 MB
 * of rows, so a batch of a thousand OpenLineage events or a manifest of thousands of nodes is a handful of
 * statements (D1 allows 100 bound parameters per statement and a limited number of queries per invocation).
 * Every upsert is idempotent and order-tolerant: facets and run states are guarded by event time. Counters are
 * not idempotent, so they count only raw events the same batch stored (see RunRow.eventId): the raw-event inserts
 * come first in the batch and decide, atomically, which copy of an event is the one that counts.
 */

/** Largest single facet stored (bytes of its JSON). D1 caps a value at 2 MB; the rest is headroom for escaping. */
export const MAX_FACET_BYTES = 1_000_000;

/** Whose facts a plan may change, decided inside the batch that writes it. */
export interface PlanGuard {
  /**
   * Teams the writer acts for (null: every team). Of a dataset another team owns, the plan leaves what only its
   * owner may change — kind, owner, freshness, dataset facets, quality results — and writes the lineage (edges,
   * runs' inputs and outputs, column lineage): that says what the writer's jobs read and wrote. The owner is read
   * by the statement that writes, so an owner set between the caller's reads and the batch is respected.
   */
  actsFor: ActsFor;
  /** A condition, true or false for the whole batch, every statement also needs: the plan applies whole or not at all. */
  onlyIf?: SQL;
}

/**
 * The statements for a plan, in dependency-free order (ids are derived, so nothing waits for another insert).
 * Quality results stored return their dedupe key (storedQualityKeys): those left out for their owner are not.
 */
export function lineagePlanStatements(ctx: TenantCtx, plan: LineagePlan, now: number, guard: PlanGuard): Stmt[] {
  const t = ctx.tenantId;
  const out: Stmt[] = [];
  const all = guard.onlyIf ?? sql`1`;
  const open = (id: SQL) => sql`${all} AND ${datasetOpenToSql(t, guard.actsFor, id)}`;

  out.push(
    ...bulk(
      [...plan.datasets.values()].map((d) => [d.id, d.namespace, d.name, d.kind, d.ownerTeamId]),
      // Freshness (last_write_at) is not set here but by the one statement below that moves it, for every source.
      (p) => sql`
        INSERT INTO datasets (tenant_id, id, namespace, name, kind, owner_team_id, tags, created_at, updated_at)
        SELECT ${t}, ${v(0)}, ${v(1)}, ${v(2)}, coalesce(${v(3)}, 'dataset'), ${v(4)}, '[]', ${now}, ${now}
        FROM json_each(${p}) r WHERE ${all}
        ON CONFLICT (tenant_id, id) DO UPDATE SET
          kind = CASE WHEN excluded.kind <> 'dataset' THEN excluded.kind ELSE datasets.kind END,
          owner_team_id = coalesce(datasets.owner_team_id, excluded.owner_team_id),
          updated_at = excluded.updated_at
        WHERE ${mayChangeDatasetSql(t, guard.actsFor, "datasets")}`,
    ),
  );

  out.push(
    ...bulk(
      [...plan.jobs.values()].map((j) => [j.id, j.namespace, j.name, j.kind, j.integration, j.processingType, j.ownerTeamId, j.latestRunId, j.latestRunAt]),
      (p) => sql`
        INSERT INTO jobs (tenant_id, id, namespace, name, kind, integration, processing_type, owner_team_id, latest_run_id, latest_run_at, created_at, updated_at)
        SELECT ${t}, ${v(0)}, ${v(1)}, ${v(2)}, coalesce(${v(3)}, 'job'), ${v(4)}, ${v(5)}, ${v(6)}, ${v(7)}, ${v(8)}, ${now}, ${now}
        FROM json_each(${p}) r WHERE ${all}
        ON CONFLICT (tenant_id, id) DO UPDATE SET
          kind = CASE WHEN excluded.kind <> 'job' THEN excluded.kind ELSE jobs.kind END,
          integration = coalesce(excluded.integration, jobs.integration),
          processing_type = coalesce(excluded.processing_type, jobs.processing_type),
          owner_team_id = coalesce(jobs.owner_team_id, excluded.owner_team_id),
          latest_run_id = CASE WHEN excluded.latest_run_at >= coalesce(jobs.latest_run_at, -1) THEN excluded.latest_run_id ELSE jobs.latest_run_id END,
          latest_run_at = max(coalesce(jobs.latest_run_at, excluded.latest_run_at), coalesce(excluded.latest_run_at, jobs.latest_run_at)),
          updated_at = excluded.updated_at`,
    ),
  );

  out.push(
    ...bulk(
      [...plan.facets.values()].map((f) => [f.entityId, f.name, f.value, f.eventTime]),
      (p) => sql`
        INSERT INTO lineage_facets (tenant_id, entity_id, name, value, event_time, updated_at)
        SELECT ${t}, ${v(0)}, ${v(1)}, ${v(2)}, ${v(3)}, ${now}
        FROM json_each(${p}) r WHERE ${open(v(0))}
        ON CONFLICT (tenant_id, entity_id, name) DO UPDATE SET value = excluded.value, event_time = excluded.event_time, updated_at = excluded.updated_at
        WHERE excluded.event_time >= lineage_facets.event_time`,
    ),
  );

  out.push(
    ...bulk(
      plan
        .orderedRuns()
        .map((r) => [
          r.id,
          r.jobId,
          r.source,
          r.externalId,
          r.state,
          r.eventType,
          r.eventTime,
          r.startedAt,
          r.endedAt,
          r.nominalStartAt,
          r.parentExternalId,
          r.parentJobId,
          r.errorMessage,
          r.tuttiRunId,
          r.tuttiTaskKey,
          r.eventId ?? null,
        ]),
      // A terminal state is final (no event follows COMPLETE/FAIL/ABORT): a late or retried RUNNING keeps it.
      // A row from a raw event counts 1 only if this batch stored that event (a row with its id exists), else 0.
      (p) => sql`
        INSERT INTO job_runs (tenant_id, id, job_id, source, external_id, state, last_event_type, last_event_at, started_at, ended_at,
          nominal_start_at, parent_external_id, parent_job_id, error_message, tutti_run_id, tutti_task_key, event_count, created_at, updated_at)
        SELECT ${t}, ${v(0)}, ${v(1)}, ${v(2)}, ${v(3)}, coalesce(${v(4)}, 'unknown'), ${v(5)}, ${v(6)}, ${v(7)}, ${v(8)},
          ${v(9)}, ${v(10)}, ${v(11)}, ${v(12)}, ${v(13)}, ${v(14)},
          CASE WHEN ${v(15)} IS NULL THEN 1 ELSE (SELECT count(*) FROM lineage_events e WHERE e.tenant_id = ${t} AND e.id = ${v(15)}) END,
          ${now}, ${now}
        FROM json_each(${p}) r WHERE ${all}
        ON CONFLICT (tenant_id, id) DO UPDATE SET
          state = CASE
            WHEN excluded.state = 'unknown' THEN job_runs.state
            WHEN job_runs.state IN ('succeeded', 'failed', 'cancelled') AND excluded.state = 'running' THEN job_runs.state
            ELSE excluded.state END,
          last_event_type = CASE WHEN excluded.last_event_at >= coalesce(job_runs.last_event_at, -1) THEN coalesce(excluded.last_event_type, job_runs.last_event_type) ELSE job_runs.last_event_type END,
          last_event_at = max(coalesce(job_runs.last_event_at, excluded.last_event_at), coalesce(excluded.last_event_at, job_runs.last_event_at)),
          started_at = min(coalesce(job_runs.started_at, excluded.started_at), coalesce(excluded.started_at, job_runs.started_at)),
          ended_at = max(coalesce(job_runs.ended_at, excluded.ended_at), coalesce(excluded.ended_at, job_runs.ended_at)),
          nominal_start_at = coalesce(excluded.nominal_start_at, job_runs.nominal_start_at),
          parent_external_id = coalesce(excluded.parent_external_id, job_runs.parent_external_id),
          parent_job_id = coalesce(excluded.parent_job_id, job_runs.parent_job_id),
          error_message = coalesce(excluded.error_message, job_runs.error_message),
          tutti_run_id = coalesce(excluded.tutti_run_id, job_runs.tutti_run_id),
          tutti_task_key = coalesce(excluded.tutti_task_key, job_runs.tutti_task_key),
          event_count = job_runs.event_count + excluded.event_count,
          updated_at = excluded.updated_at`,
    ),
  );

  out.push(
    ...bulk(
      [...plan.runIo.values()].map((r) => [r.runId, r.datasetId, r.role, r.rowCount, r.bytes, r.fileCount, r.facets, r.at]),
      (p) => sql`
        INSERT INTO job_run_datasets (tenant_id, run_id, dataset_id, role, row_count, bytes, file_count, facets, at)
        SELECT ${t}, ${v(0)}, ${v(1)}, ${v(2)}, ${v(3)}, ${v(4)}, ${v(5)}, ${v(6)}, ${v(7)}
        FROM json_each(${p}) r WHERE ${all}
        ON CONFLICT (tenant_id, run_id, dataset_id, role) DO UPDATE SET
          row_count = coalesce(excluded.row_count, job_run_datasets.row_count),
          bytes = coalesce(excluded.bytes, job_run_datasets.bytes),
          file_count = coalesce(excluded.file_count, job_run_datasets.file_count),
          facets = coalesce(excluded.facets, job_run_datasets.facets),
          at = max(job_run_datasets.at, excluded.at)`,
    ),
  );

  out.push(
    ...bulk(
      [...plan.edges.values()].map((e) => [e.from, e.to, e.origin, e.kind]),
      (p) => sql`
        INSERT INTO lineage_edges (tenant_id, from_node, to_node, origin, kind, first_seen_at, last_seen_at)
        SELECT ${t}, ${v(0)}, ${v(1)}, ${v(2)}, ${v(3)}, ${now}, ${now}
        FROM json_each(${p}) r WHERE ${all}
        ON CONFLICT (tenant_id, from_node, to_node, origin) DO UPDATE SET kind = excluded.kind, last_seen_at = excluded.last_seen_at`,
    ),
  );

  out.push(
    ...bulk(
      [...plan.columnEdges.values()].map((e) => [e.toDataset, e.toField, e.fromDataset, e.fromField, e.origin, e.transformation]),
      (p) => sql`
        INSERT INTO column_lineage_edges (tenant_id, to_dataset, to_field, from_dataset, from_field, origin, transformation, last_seen_at)
        SELECT ${t}, ${v(0)}, ${v(1)}, ${v(2)}, ${v(3)}, ${v(4)}, ${v(5)}, ${now}
        FROM json_each(${p}) r WHERE ${all}
        ON CONFLICT (tenant_id, to_dataset, to_field, from_dataset, from_field, origin) DO UPDATE SET
          transformation = coalesce(excluded.transformation, column_lineage_edges.transformation), last_seen_at = excluded.last_seen_at`,
    ),
  );

  out.push(
    ...bulk(
      [...plan.quality.values()].map((q) => [
        newId("qualityResult"),
        q.datasetId,
        q.source,
        q.checkName,
        q.columnName,
        q.status,
        q.observedAt,
        q.runId,
        JSON.stringify(q.details),
        q.dedupeKey,
      ]),
      (p) => sql`
        INSERT INTO quality_results (tenant_id, id, dataset_id, source, check_name, column_name, status, observed_at, run_id, details, dedupe_key, created_at)
        SELECT ${t}, ${v(0)}, ${v(1)}, ${v(2)}, ${v(3)}, ${v(4)}, ${v(5)}, ${v(6)}, ${v(7)}, ${v(8)}, ${v(9)}, ${now}
        FROM json_each(${p}) r WHERE ${open(v(1))}
        ON CONFLICT (tenant_id, dedupe_key) DO UPDATE SET status = excluded.status, observed_at = excluded.observed_at, details = excluded.details
        WHERE excluded.observed_at >= quality_results.observed_at
        RETURNING dedupe_key AS ${sql.raw(STORED_QUALITY_KEY)}`,
    ),
  );

  out.push(
    ...bulk(
      [...freshnessWrites(plan).values()].map((w) => [w.datasetId, w.at, w.runId]),
      // The one place a dataset's freshness moves, whatever reported the write (OpenLineage COMPLETE, dbt results,
      // a Tutti task): it returns each dataset it moved, with the Tutti run behind the write when there is one, so
      // dataset triggers hear of exactly the writes that counted (docs/engine.md). MATERIALIZED makes the payload
      // drive the loop (one primary-key lookup per row); without it the planner, which has no statistics in D1, may
      // scan the tenant's datasets once per payload row.
      (p) => sql`
        WITH r AS MATERIALIZED (SELECT value ->> '$[0]' AS id, value ->> '$[1]' AS at, value ->> '$[2]' AS run FROM json_each(${p}))
        UPDATE datasets SET last_write_at = r.at, last_write_run_id = r.run, updated_at = ${now}
        FROM r
        WHERE datasets.tenant_id = ${t} AND datasets.id = r.id AND (datasets.last_write_at IS NULL OR datasets.last_write_at < r.at)
          AND ${all} AND ${mayChangeDatasetSql(t, guard.actsFor, "datasets")}
        RETURNING id AS ${sql.raw(UPDATED_DATASET)}, last_write_at AS ${sql.raw(UPDATED_AT)},
          (SELECT jr.tutti_run_id FROM job_runs jr WHERE jr.tenant_id = ${t} AND jr.id = datasets.last_write_run_id) AS ${sql.raw(UPDATED_BY_RUN)}`,
    ),
  );

  return out;
}

/** A plan's writes, with the datasets it names as written (OpenLineage outputs, Tutti task outputs): the latest per dataset. */
function freshnessWrites(plan: LineagePlan): Map<string, WriteRow> {
  const writes = new Map(plan.writes);
  for (const d of plan.datasets.values()) {
    if (d.lastWriteAt === null || d.lastWriteRunId === null) continue;
    const prev = writes.get(d.id);
    if (!prev || d.lastWriteAt > prev.at) writes.set(d.id, { datasetId: d.id, at: d.lastWriteAt, runId: d.lastWriteRunId });
  }
  return writes;
}

const UPDATED_DATASET = "updated_dataset_id";
const UPDATED_AT = "updated_dataset_at";
const UPDATED_BY_RUN = "updated_dataset_tutti_run";

/** The datasets whose freshness a batch of lineagePlanStatements moved forward (from all of its results, in any order). */
export function updatedDatasets(results: D1Result[]): DatasetUpdate[] {
  return results.flatMap((r) =>
    (r.results as Array<Record<string, unknown>>).flatMap((row) =>
      UPDATED_DATASET in row
        ? [{ datasetId: row[UPDATED_DATASET] as string, at: Number(row[UPDATED_AT]), runId: (row[UPDATED_BY_RUN] as string | null) ?? null }]
        : [],
    ),
  );
}

/** Column the quality upserts return their stored rows' dedupe keys in. */
const STORED_QUALITY_KEY = "stored_quality_key";

/** Dedupe keys of the quality results a batch of lineagePlanStatements stored (from all of its results, in any order). */
export function storedQualityKeys(results: D1Result[]): Set<string> {
  return new Set(
    results.flatMap((r) =>
      (r.results as Array<Record<string, unknown>>).flatMap((row) => (STORED_QUALITY_KEY in row ? [row[STORED_QUALITY_KEY] as string] : [])),
    ),
  );
}

/** Deletes the edges one origin asserted (a new manifest replaces its project's edges as a whole), if `onlyIf` holds. */
export function deleteEdgesOf(ctx: TenantCtx, origin: string, onlyIf: SQL): Stmt {
  return stmt(sql`DELETE FROM lineage_edges WHERE tenant_id = ${ctx.tenantId} AND origin = ${origin} AND ${onlyIf}`);
}
