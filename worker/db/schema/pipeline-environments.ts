import { primaryKey, sqliteTable, text, integer } from "drizzle-orm/sqlite-core";
import { ms, tenantId } from "./columns";
import { pushChannels } from "./enums";

/**
 * The version a non-production environment runs, per pipeline. Production's version stays on
 * pipelines.current_version_id, so nothing pushed to another environment can change what production
 * runs. No row: the environment runs the production version.
 */
export const pipelineEnvironments = sqliteTable(
  "pipeline_environments",
  {
    tenantId: tenantId(),
    pipelineId: text("pipeline_id").notNull(),
    environment: text("environment").notNull(),
    versionId: text("version_id").notNull(),
    version: integer("version").notNull(),
    /** Copied from the version so a production push can drop heads it has caught up with. */
    contentHash: text("content_hash").notNull(),
    gitRepo: text("git_repo"),
    gitSha: text("git_sha"),
    gitBranch: text("git_branch"),
    gitAuthor: text("git_author"),
    /** `ui` when pushed from the dashboard's editor; see pushChannels. */
    pushedVia: text("pushed_via", { enum: pushChannels }).notNull().default("api"),
    updatedAt: ms("updated_at").notNull(),
  },
  (t) => [primaryKey({ columns: [t.tenantId, t.pipelineId, t.environment] })],
);
