import { integer, primaryKey, sqliteTable, text } from "drizzle-orm/sqlite-core";
import { tenantId } from "./columns";
import { storedKinds } from "./enums";

/**
 * What a tenant stores, per kind, and what retention removed. `bytes` and `objects` change in the same D1 batch as
 * the rows they count (worker/db/repo/platform/storage-usage.ts); they are kept for the kinds that count against
 * the storage quota, and stay 0 for the others (run events, audit entries), which only count removals.
 */
export const storageUsage = sqliteTable(
  "storage_usage",
  {
    tenantId: tenantId(),
    kind: text("kind", { enum: storedKinds }).notNull(),
    bytes: integer("bytes").notNull().default(0),
    objects: integer("objects").notNull().default(0),
    removedBytes: integer("removed_bytes").notNull().default(0),
    removedObjects: integer("removed_objects").notNull().default(0),
  },
  (t) => [primaryKey({ columns: [t.tenantId, t.kind] })],
);
