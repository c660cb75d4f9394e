import { integer, sqliteTable, text, index } from "drizzle-orm/sqlite-core";
import { json, ms } from "./columns";

export const tenantDeletionStatuses = ["running", "done"] as const;
export type TenantDeletionStatus = (typeof tenantDeletionStatuses)[number];

/**
 * Platform record of a tenant's deletion, kept after everything else of the tenant is gone: who asked, when, what
 * was removed. Not tenant-owned (the one table that outlives its tenant; worker/db/tenant-tables.ts). Its row is
 * also the lock: from the moment it exists, no credential of the tenant resolves and its run engine refuses calls.
 * The deletion runs in bounded steps claimed with a lease, like exports.
 */
export const tenantDeletions = sqliteTable(
  "tenant_deletions",
  {
    /** One deletion per tenant: a second request finds this row and changes nothing. */
    tenantId: text("tenant_id").primaryKey(),
    tenantSlug: text("tenant_slug").notNull(),
    requestedById: text("requested_by_id").notNull(),
    requestedByLabel: text("requested_by_label").notNull(),
    requestedAt: ms("requested_at").notNull(),
    ip: text("ip"),
    requestId: text("request_id"),
    status: text("status", { enum: tenantDeletionStatuses }).notNull(),
    steps: integer("steps").notNull().default(0),
    leaseUntil: ms("lease_until"),
    cursor: json<Record<string, unknown>>("cursor").notNull(),
    /** What was removed: rows per table, R2 objects, users left without a tenant. */
    removed: json<Record<string, number>>("removed").notNull(),
    updatedAt: ms("updated_at").notNull(),
    finishedAt: ms("finished_at"),
  },
  (t) => [index("tenant_deletions_status").on(t.status, t.updatedAt)],
);
