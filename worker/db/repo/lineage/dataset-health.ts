import { and, eq, min, sql } from "drizzle-orm";
import type { TenantCtx } from "../../client";
import { jobRunDatasets, jobRuns, jobs } from "../../schema";

/** Reads behind a dataset's health: the write its freshness comes from, and the earliest run that touched it. */

/**
 * The write behind the dataset's freshness (its `last_write_run_id`): the run and job, the rows and bytes that run
 * reported for this dataset, and the producer of the run's latest raw event (absent for dbt and Tutti runs).
 */
export async function lastWriteOf(ctx: TenantCtx, datasetId: string, runId: string) {
  const [row] = await ctx.db
    .select({
      io: jobRunDatasets,
      run: jobRuns,
      job: { id: jobs.id, namespace: jobs.namespace, name: jobs.name },
      producer: sql<string | null>`(SELECT e.producer FROM lineage_events e WHERE e.tenant_id = ${ctx.tenantId} AND e.run_id = ${jobRuns.id}
        ORDER BY e.event_time DESC LIMIT 1)`,
    })
    .from(jobRuns)
    .innerJoin(jobs, and(eq(jobs.tenantId, jobRuns.tenantId), eq(jobs.id, jobRuns.jobId)))
    .leftJoin(
      jobRunDatasets,
      and(
        eq(jobRunDatasets.tenantId, jobRuns.tenantId),
        eq(jobRunDatasets.runId, jobRuns.id),
        eq(jobRunDatasets.datasetId, datasetId),
        eq(jobRunDatasets.role, "output"),
      ),
    )
    .where(and(eq(jobRuns.tenantId, ctx.tenantId), eq(jobRuns.id, runId)))
    .limit(1);
  return row ?? null;
}

/** Time of the earliest run that read or wrote the dataset (an index seek), null when none did. */
export async function earliestActivityAt(ctx: TenantCtx, datasetId: string): Promise<number | null> {
  const [row] = await ctx.db
    .select({ at: min(jobRunDatasets.at) })
    .from(jobRunDatasets)
    .where(and(eq(jobRunDatasets.tenantId, ctx.tenantId), eq(jobRunDatasets.datasetId, datasetId)));
  return row?.at == null ? null : Number(row.at);
}
