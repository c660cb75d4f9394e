import { z } from "@hono/zod-openapi";
import type { Job } from "../../db/repo/lineage/catalog";
import { jobRunStates } from "../../db/schema/enums";
import { TeamRef, teamRefOut } from "../lineage/catalog-schemas";
import { isoOrNull, timestamp } from "../shared";

export const JobSummary = z
  .object({
    id: z.string().openapi({ example: "job_4k2m9q0x1n5b6v7c8z3a" }),
    namespace: z.string(),
    name: z.string(),
    kind: z.string().openapi({ description: "jobType facet (QUERY, TASK, DAG, MODEL…), a dbt resource type (test, operation), dbt or task" }),
    integration: z.string().nullable(),
    processing_type: z.string().nullable(),
    owner_team: TeamRef,
    latest_run_id: z.string().nullable(),
    latest_run_at: timestamp.nullable(),
    latest_run_state: z.enum(jobRunStates).nullable(),
    updated_at: timestamp,
  })
  .openapi("JobSummary");

export const JobList = z.object({ items: z.array(JobSummary), next_cursor: z.string().nullable() }).openapi("JobList");

export const JobOut = JobSummary.extend({
  facets: z.record(z.string(), z.record(z.string(), z.unknown())),
  created_at: timestamp,
}).openapi("Job");

export const jobSummaryOut = (j: Job, teamName: string | null, latestState: (typeof jobRunStates)[number] | null) => ({
  id: j.id,
  namespace: j.namespace,
  name: j.name,
  kind: j.kind,
  integration: j.integration,
  processing_type: j.processingType,
  owner_team: teamRefOut(j.ownerTeamId, teamName),
  latest_run_id: j.latestRunId,
  latest_run_at: isoOrNull(j.latestRunAt),
  latest_run_state: latestState,
  updated_at: new Date(j.updatedAt).toISOString(),
});
