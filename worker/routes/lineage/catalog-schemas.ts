import { z } from "@hono/zod-openapi";
import type { JobRun } from "../../db/repo/lineage/catalog";
import { jobRunSources, jobRunStates } from "../../db/schema/enums";
import { isoOrNull, timestamp } from "../shared";

/** Schemas shared by the catalog routes (datasets, jobs, job runs). */

/** The owning team, or null; "TeamRef" names the team alone, so every schema that uses it says the null itself. */
export const TeamRef = z.union([z.object({ id: z.string(), name: z.string() }).openapi("TeamRef"), z.null()]);
export const teamRefOut = (id: string | null, name: string | null) => (id ? { id, name: name ?? id } : null);

export const JobRef = z.object({ id: z.string(), namespace: z.string(), name: z.string() }).openapi("JobRef");

export const JobRunOut = z
  .object({
    id: z.string().openapi({ example: "jrun_4k2m9q0x1n5b6v7c8z3a" }),
    job_id: z.string(),
    source: z.enum(jobRunSources),
    external_id: z.string().openapi({ description: "OpenLineage runId, `<project>:<dbt invocation id>`, or `<Tutti run id>:<task>`" }),
    state: z.enum(jobRunStates),
    last_event_type: z.string().nullable(),
    started_at: timestamp.nullable(),
    ended_at: timestamp.nullable(),
    nominal_start_at: timestamp.nullable(),
    parent_run_id: z.string().nullable().openapi({ description: "The parent facet's runId" }),
    parent_job_id: z.string().nullable(),
    error_message: z.string().nullable(),
    tutti_run_id: z.string().nullable(),
    tutti_task_key: z.string().nullable(),
    event_count: z.number().int(),
    created_at: timestamp,
    updated_at: timestamp,
  })
  .openapi("JobRun");

export const jobRunOut = (r: JobRun) => ({
  id: r.id,
  job_id: r.jobId,
  source: r.source,
  external_id: r.externalId,
  state: r.state,
  last_event_type: r.lastEventType,
  started_at: isoOrNull(r.startedAt),
  ended_at: isoOrNull(r.endedAt),
  nominal_start_at: isoOrNull(r.nominalStartAt),
  parent_run_id: r.parentExternalId,
  parent_job_id: r.parentJobId,
  error_message: r.errorMessage,
  tutti_run_id: r.tuttiRunId,
  tutti_task_key: r.tuttiTaskKey,
  event_count: r.eventCount,
  created_at: new Date(r.createdAt).toISOString(),
  updated_at: new Date(r.updatedAt).toISOString(),
});

export const RawEventOut = z
  .object({
    id: z.string(),
    kind: z.enum(["run", "job", "dataset"]),
    event_type: z.string().nullable(),
    event_time: timestamp,
    received_at: timestamp,
    producer: z.string(),
    size_bytes: z.number().int(),
    event: z.unknown().openapi({ description: "The event as received" }),
  })
  .openapi("RawLineageEvent");

export const RawEventList = z.object({ items: z.array(RawEventOut), next_cursor: z.string().nullable() }).openapi("RawLineageEventList");
