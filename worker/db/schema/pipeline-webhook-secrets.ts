import { primaryKey, sqliteTable, text, uniqueIndex } from "drizzle-orm/sqlite-core";
import type { Envelope } from "../../lib/envelope";
import { createdAt, json, tenantId } from "./columns";

/**
 * The signing secret of a pipeline's webhook trigger (`triggers: [{webhook: {}}]`), sealed like connection secrets
 * and never returned after the response that created it. One per pipeline; rotating replaces it.
 */
export const pipelineWebhookSecrets = sqliteTable(
  "pipeline_webhook_secrets",
  {
    tenantId: tenantId(),
    pipelineId: text("pipeline_id").notNull(),
    secret: json<Envelope>("secret").notNull(),
    createdBy: text("created_by").notNull(),
    createdAt: createdAt(),
  },
  (t) => [
    primaryKey({ columns: [t.tenantId, t.pipelineId] }),
    // The receiver knows only the pipeline id (from its URL) until it has found the tenant.
    uniqueIndex("pipeline_webhook_secrets_pipeline").on(t.pipelineId),
  ],
);
