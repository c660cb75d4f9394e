import { integer, primaryKey, real, sqliteTable, text } from "drizzle-orm/sqlite-core";
import { json, ms, tenantId } from "./columns";

/**
 * The nodes of a project's latest manifest (every id in parent_map, defined or only referenced) with the
 * catalog node they map to, and the last result seen for each in run_results.
 */
export const dbtNodes = sqliteTable(
  "dbt_nodes",
  {
    tenantId: tenantId(),
    projectId: text("project_id").notNull(),
    uniqueId: text("unique_id").notNull(),
    resourceType: text("resource_type").notNull(),
    name: text("name").notNull(),
    packageName: text("package_name"),
    path: text("path"),
    materialized: text("materialized"),
    /** ds_… or job_… in the catalog. */
    nodeId: text("node_id").notNull(),
    /** False for ids parent_map names but the manifest does not define (trimmed or disabled nodes). */
    defined: integer("defined", { mode: "boolean" }).notNull(),
    description: text("description"),
    tags: json<string[]>("tags").notNull(),
    /** For tests: the catalog datasets the test checks (attached node, else its dataset parents). */
    testedNodeIds: json<string[]>("tested_node_ids").notNull(),
    /** For column-level tests: the column checked. */
    testColumn: text("test_column"),
    /** The manifest upload that last listed this node; rows of older manifests are removed. */
    manifestUploadId: text("manifest_upload_id").notNull().default(""),
    lastStatus: text("last_status"),
    lastStartedAt: ms("last_started_at"),
    lastCompletedAt: ms("last_completed_at"),
    lastExecutionSeconds: real("last_execution_seconds"),
    lastUploadId: text("last_upload_id"),
    updatedAt: ms("updated_at").notNull(),
  },
  (t) => [primaryKey({ columns: [t.tenantId, t.projectId, t.uniqueId] })],
);
