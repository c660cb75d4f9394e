import { index, primaryKey, sqliteTable, text, uniqueIndex } from "drizzle-orm/sqlite-core";
import { createdAt, ms, tenantId } from "./columns";

/**
 * A share link of a product's status page: whoever holds the link sees that one product's health, freshness,
 * incidents and history without an account. The link carries a random token (≥ 128 bits); only its SHA-256 is
 * stored, so the token is shown once, when the link is created. A revoked link stops working at once.
 */
export const productShares = sqliteTable(
  "product_shares",
  {
    tenantId: tenantId(),
    id: text("id").notNull(),
    productId: text("product_id").notNull(),
    /** What the owners call the link ("Finance stakeholders"), so they know which one to revoke. */
    label: text("label").notNull(),
    tokenHash: text("token_hash").notNull(),
    createdBy: text("created_by").notNull(),
    createdAt: createdAt(),
    revokedAt: ms("revoked_at"),
    revokedBy: text("revoked_by"),
  },
  (t) => [
    primaryKey({ columns: [t.tenantId, t.id] }),
    uniqueIndex("product_shares_token").on(t.tokenHash),
    index("product_shares_product").on(t.tenantId, t.productId),
  ],
);
