import { primaryKey, sqliteTable, text } from "drizzle-orm/sqlite-core";
import { ms, tenantId } from "./columns";

/**
 * Facets of datasets, jobs and runs, one row per (entity, facet name): the OpenLineage rule "a facet with the
 * same name replaces the earlier one" becomes an upsert guarded by event time, so events may arrive in any
 * order or twice. A null value is a `_deleted` tombstone (it keeps an older event from resurrecting the facet).
 * One row per facet also keeps each value under D1's 2 MB value limit on its own.
 */
export const lineageFacets = sqliteTable(
  "lineage_facets",
  {
    tenantId: tenantId(),
    entityId: text("entity_id").notNull(),
    name: text("name").notNull(),
    /** The facet object as JSON text; null when deleted. */
    value: text("value"),
    eventTime: ms("event_time").notNull(),
    updatedAt: ms("updated_at").notNull(),
  },
  (t) => [primaryKey({ columns: [t.tenantId, t.entityId, t.name] })],
);
