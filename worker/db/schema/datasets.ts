import { index, primaryKey, sqliteTable, text, uniqueIndex } from "drizzle-orm/sqlite-core";
import { createdAt, json, ms, tenantId } from "./columns";

/**
 * Catalog datasets: one row per (namespace, name) per tenant, from OpenLineage, dbt manifests and Tutti runs.
 * The id is derived from tenant + namespace + name (worker/lineage/ids.ts). Facets (schema, documentation, …)
 * live in `lineage_facets`; this row keeps what lists, search and ownership need.
 */
export const datasets = sqliteTable(
  "datasets",
  {
    tenantId: tenantId(),
    id: text("id").notNull(),
    namespace: text("namespace").notNull(),
    name: text("name").notNull(),
    /** dataset (unknown), table, view, topic… from the datasetType facet, or the dbt resource type (model, seed, source…). */
    kind: text("kind").notNull().default("dataset"),
    /** Set by a person; when null the documentation facet describes the dataset. */
    description: text("description"),
    ownerTeamId: text("owner_team_id"),
    tags: json<string[]>("tags").notNull(),
    createdAt: createdAt(),
    updatedAt: ms("updated_at").notNull(),
    /** Freshness: end of the last successful run that wrote this dataset. */
    lastWriteAt: ms("last_write_at"),
    lastWriteRunId: text("last_write_run_id"),
    /** Expected freshness: at each occurrence of this cron (in the time zone) the last write must be newer than max age. */
    freshnessCron: text("freshness_cron"),
    freshnessTimezone: text("freshness_timezone"),
    freshnessMaxAgeMs: ms("freshness_max_age_ms"),
  },
  (t) => [
    primaryKey({ columns: [t.tenantId, t.id] }),
    uniqueIndex("datasets_tenant_name").on(t.tenantId, t.namespace, t.name),
    index("datasets_name").on(t.tenantId, t.name),
    index("datasets_owner").on(t.tenantId, t.ownerTeamId),
  ],
);
