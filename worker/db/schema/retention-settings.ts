import { integer, sqliteTable, text } from "drizzle-orm/sqlite-core";
import { ms } from "./columns";

/**
 * A tenant's retention settings (worker/retention/settings.ts). A null column means the default. `armed_at` records
 * when the tenant's Durable Object was first given its retention timer, so the ingest path asks it only once.
 */
export const retentionSettings = sqliteTable("retention_settings", {
  tenantId: text("tenant_id").primaryKey(),
  lineageEventDays: integer("lineage_event_days"),
  webhookPayloadDays: integer("webhook_payload_days"),
  runEventDays: integer("run_event_days"),
  auditLogDays: integer("audit_log_days"),
  dbtUploadsKept: integer("dbt_uploads_kept"),
  updatedAt: ms("updated_at"),
  armedAt: ms("armed_at"),
});
