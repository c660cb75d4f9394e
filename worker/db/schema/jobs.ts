import { index, primaryKey, sqliteTable, text, uniqueIndex } from "drizzle-orm/sqlite-core";
import { createdAt, ms, tenantId } from "./columns";

/** Catalog jobs: OpenLineage jobs, dbt tests and operations, dbt invocations and Tutti tasks. Id from tenant + namespace + name. */
export const jobs = sqliteTable(
  "jobs",
  {
    tenantId: tenantId(),
    id: text("id").notNull(),
    namespace: text("namespace").notNull(),
    name: text("name").notNull(),
    /** jobType facet's jobType (QUERY, TASK, DAG, MODEL…) or a dbt resource type (test, operation…); "job" when unknown. */
    kind: text("kind").notNull().default("job"),
    integration: text("integration"),
    processingType: text("processing_type"),
    ownerTeamId: text("owner_team_id"),
    latestRunId: text("latest_run_id"),
    latestRunAt: ms("latest_run_at"),
    createdAt: createdAt(),
    updatedAt: ms("updated_at").notNull(),
  },
  (t) => [
    primaryKey({ columns: [t.tenantId, t.id] }),
    uniqueIndex("jobs_tenant_name").on(t.tenantId, t.namespace, t.name),
    index("jobs_name").on(t.tenantId, t.name),
  ],
);
