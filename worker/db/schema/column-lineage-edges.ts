import { index, primaryKey, sqliteTable, text } from "drizzle-orm/sqlite-core";
import { ms, tenantId } from "./columns";

/** Column-level lineage from the OpenLineage `columnLineage` facet: input field → output field. */
export const columnLineageEdges = sqliteTable(
  "column_lineage_edges",
  {
    tenantId: tenantId(),
    toDataset: text("to_dataset").notNull(),
    toField: text("to_field").notNull(),
    fromDataset: text("from_dataset").notNull(),
    fromField: text("from_field").notNull(),
    origin: text("origin").notNull(),
    /** transformations / transformationType / transformationDescription as sent, JSON text. */
    transformation: text("transformation"),
    lastSeenAt: ms("last_seen_at").notNull(),
  },
  (t) => [
    primaryKey({ columns: [t.tenantId, t.toDataset, t.toField, t.fromDataset, t.fromField, t.origin] }),
    index("column_lineage_from").on(t.tenantId, t.fromDataset, t.fromField),
  ],
);
