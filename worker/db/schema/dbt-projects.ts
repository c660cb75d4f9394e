import { primaryKey, sqliteTable, text, uniqueIndex, integer } from "drizzle-orm/sqlite-core";
import { createdAt, ms, tenantId } from "./columns";

/**
 * A dbt project in one environment (prod, ci, …) as Tutti knows it from uploaded artifacts. The latest
 * manifest upload is the production state Slim CI defers to (`tutti dbt state download`).
 */
export const dbtProjects = sqliteTable(
  "dbt_projects",
  {
    tenantId: tenantId(),
    id: text("id").notNull(),
    project: text("project").notNull(),
    environment: text("environment").notNull(),
    ownerTeamId: text("owner_team_id"),
    /** metadata.project_name and adapter_type of the latest manifest. */
    dbtProjectName: text("dbt_project_name"),
    adapterType: text("adapter_type"),
    /** Namespace given to relations (models, seeds, sources) so they meet the same datasets from OpenLineage. */
    namespace: text("namespace").notNull(),
    latestUploadId: text("latest_upload_id"),
    latestManifestUploadId: text("latest_manifest_upload_id"),
    nodeCount: integer("node_count").notNull().default(0),
    edgeCount: integer("edge_count").notNull().default(0),
    createdAt: createdAt(),
    updatedAt: ms("updated_at").notNull(),
  },
  (t) => [primaryKey({ columns: [t.tenantId, t.id] }), uniqueIndex("dbt_projects_name").on(t.tenantId, t.project, t.environment)],
);
