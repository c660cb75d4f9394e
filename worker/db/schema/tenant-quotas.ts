import { integer, sqliteTable, text } from "drizzle-orm/sqlite-core";
import { ms } from "./columns";

/**
 * Quotas an operator set for one tenant (`npm run quotas`, docs/operations.md). A null column, or no row, means the
 * default in worker/retention/quotas.ts.
 */
export const tenantQuotas = sqliteTable("tenant_quotas", {
  tenantId: text("tenant_id").primaryKey(),
  storageBytes: integer("storage_bytes"),
  objects: integer("objects"),
  ingestPerMinute: integer("ingest_per_minute"),
  updatedAt: ms("updated_at").notNull(),
});
