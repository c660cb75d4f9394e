import { index, integer, primaryKey, sqliteTable, text } from "drizzle-orm/sqlite-core";
import { createdAt, json, ms, tenantId } from "./columns";

export const tenantExportStatuses = ["running", "ready", "failed"] as const;
export type TenantExportStatus = (typeof tenantExportStatuses)[number];

/**
 * One export of a tenant's data into a tar archive in R2 (worker/tenant-data/export.ts). It is built in bounded
 * steps, each claimed with a lease (`lease_until`) so a redelivered step message never runs a step twice at once;
 * `cursor` is where the next step continues. The archive lives under the tenant's own R2 prefix, so deleting the
 * tenant deletes it too.
 */
export const tenantExports = sqliteTable(
  "tenant_exports",
  {
    tenantId: tenantId(),
    id: text("id").notNull(),
    status: text("status", { enum: tenantExportStatuses }).notNull(),
    requestedBy: text("requested_by").notNull(),
    /** Steps done so far. */
    steps: integer("steps").notNull().default(0),
    leaseUntil: ms("lease_until"),
    cursor: json<Record<string, unknown>>("cursor").notNull(),
    archiveKey: text("archive_key").notNull(),
    sizeBytes: integer("size_bytes"),
    error: text("error"),
    createdAt: createdAt(),
    updatedAt: ms("updated_at").notNull(),
    finishedAt: ms("finished_at"),
  },
  (t) => [primaryKey({ columns: [t.tenantId, t.id] }), index("tenant_exports_status").on(t.status, t.updatedAt)],
);
