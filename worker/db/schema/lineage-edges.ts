import { index, primaryKey, sqliteTable, text } from "drizzle-orm/sqlite-core";
import { ms, tenantId } from "./columns";
import { lineageEdgeKinds } from "./enums";

/**
 * The lineage graph: dataset → job (input), job → dataset (output), dataset → dataset (derived, from dbt).
 * `origin` says who asserted the edge ("openlineage", "dbt:<project id>", "tutti") so a new manifest replaces
 * only its own edges. Both directions are indexed with the far end included, so recursive walks read indexes only.
 */
export const lineageEdges = sqliteTable(
  "lineage_edges",
  {
    tenantId: tenantId(),
    fromNode: text("from_node").notNull(),
    toNode: text("to_node").notNull(),
    origin: text("origin").notNull(),
    kind: text("kind", { enum: lineageEdgeKinds }).notNull(),
    firstSeenAt: ms("first_seen_at").notNull(),
    lastSeenAt: ms("last_seen_at").notNull(),
  },
  (t) => [
    primaryKey({ columns: [t.tenantId, t.fromNode, t.toNode, t.origin] }),
    index("lineage_edges_to").on(t.tenantId, t.toNode, t.fromNode),
    index("lineage_edges_origin").on(t.tenantId, t.origin),
  ],
);
