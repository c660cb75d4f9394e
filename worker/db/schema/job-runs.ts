import { index, integer, primaryKey, sqliteTable, text } from "drizzle-orm/sqlite-core";
import { createdAt, ms, tenantId } from "./columns";
import { jobRunSources, jobRunStates } from "./enums";

/**
 * Runs of catalog jobs: OpenLineage runs (external id = runId), dbt invocations, and Tutti task runs
 * (tutti_run_id + tutti_task_key link a Tutti task to the datasets it wrote). Id from tenant + source + external id.
 */
export const jobRuns = sqliteTable(
  "job_runs",
  {
    tenantId: tenantId(),
    id: text("id").notNull(),
    jobId: text("job_id").notNull(),
    source: text("source", { enum: jobRunSources }).notNull(),
    externalId: text("external_id").notNull(),
    state: text("state", { enum: jobRunStates }).notNull(),
    /** Last event type as sent (OpenLineage enums are open: unknown values are kept here). */
    lastEventType: text("last_event_type"),
    lastEventAt: ms("last_event_at"),
    startedAt: ms("started_at"),
    endedAt: ms("ended_at"),
    nominalStartAt: ms("nominal_start_at"),
    parentExternalId: text("parent_external_id"),
    parentJobId: text("parent_job_id"),
    errorMessage: text("error_message"),
    tuttiRunId: text("tutti_run_id"),
    tuttiTaskKey: text("tutti_task_key"),
    eventCount: integer("event_count").notNull().default(0),
    createdAt: createdAt(),
    updatedAt: ms("updated_at").notNull(),
  },
  (t) => [
    primaryKey({ columns: [t.tenantId, t.id] }),
    index("job_runs_job").on(t.tenantId, t.jobId, t.createdAt),
    index("job_runs_tutti").on(t.tenantId, t.tuttiRunId),
    index("job_runs_parent").on(t.tenantId, t.parentExternalId),
  ],
);
