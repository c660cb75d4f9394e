import { primaryKey, sqliteTable, text, uniqueIndex } from "drizzle-orm/sqlite-core";
import { createdAt, tenantId } from "./columns";

/**
 * The kinds of id a route reached without a credential names in its URL: a tool's webhook (`/webhooks/<tool>/conn_…`),
 * a pipeline's webhook trigger (`/webhooks/pipelines/pl_…`), a status page link (stored as the SHA-256 of its token, like
 * the share row) and an e-mail subscription's confirm and unsubscribe links (`sub_…`).
 */
export const publicIdKinds = ["connection", "pipeline_webhook", "status_share", "subscription"] as const;
export type PublicIdKind = (typeof publicIdKinds)[number];

/**
 * Which tenant a public id belongs to, on the control database (db/sides.ts): a public route reads it to learn the
 * tenant, and so its shard, before it can read the object itself there (docs/architecture.md#shards). Written with
 * the object (control first, then the shard) and removed with it; the shard's row stays the truth, looked up again by
 * tenant and id, so an entry left behind by a failed write opens nothing.
 */
export const publicIds = sqliteTable(
  "public_ids",
  {
    tenantId: tenantId(),
    kind: text("kind", { enum: publicIdKinds }).notNull(),
    publicId: text("public_id").notNull(),
    createdAt: createdAt(),
  },
  (t) => [
    primaryKey({ columns: [t.tenantId, t.kind, t.publicId] }),
    // The public route knows only the id (from its URL) until this row names the tenant.
    uniqueIndex("public_ids_id").on(t.kind, t.publicId),
  ],
);
