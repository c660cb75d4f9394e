import { index, primaryKey, sqliteTable, text, uniqueIndex } from "drizzle-orm/sqlite-core";
import { createdAt, ms, tenantId } from "./columns";

export const subscriptionKinds = ["email", "channel"] as const;
export type SubscriptionKind = (typeof subscriptionKinds)[number];

/**
 * Who hears about a product's incidents besides its teams: an e-mail address a consumer gave on the status page
 * (double opt-in: it receives nothing until `confirmed_at` is set from the confirmation mail), or an alert channel of
 * the owner team (a stakeholders' Slack channel) that the owners added. One row per product and address or channel.
 */
export const productSubscriptions = sqliteTable(
  "product_subscriptions",
  {
    tenantId: tenantId(),
    id: text("id").notNull(),
    productId: text("product_id").notNull(),
    kind: text("kind", { enum: subscriptionKinds }).notNull(),
    email: text("email"),
    channelId: text("channel_id"),
    /**
     * Where the subscriber's links (confirm, unsubscribe) point when APP_URL is not set: the origin the address was
     * given at, as invitation links do. Null for channels.
     */
    linkOrigin: text("link_origin"),
    /** Set by the confirmation link for e-mail; at creation for channels (the owners chose them). */
    confirmedAt: ms("confirmed_at"),
    /** The user who added a channel, or `status_page` for an address given on the public page. */
    createdBy: text("created_by").notNull(),
    createdAt: createdAt(),
  },
  (t) => [
    primaryKey({ columns: [t.tenantId, t.id] }),
    uniqueIndex("product_subscriptions_email").on(t.tenantId, t.productId, t.email),
    uniqueIndex("product_subscriptions_channel").on(t.tenantId, t.productId, t.channelId),
    index("product_subscriptions_id").on(t.id),
  ],
);
