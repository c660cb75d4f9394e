import { z } from "@hono/zod-openapi";
import type { ProductShare } from "../../../db/repo/products/shares";
import type { ProductSubscription } from "../../../db/repo/products/subscriptions";
import { subscriptionKinds } from "../../../db/schema/product-subscriptions";
import { isoOrNull, timestamp } from "../../shared";

export const ShareOut = z
  .object({
    id: z.string().openapi({ example: "shr_3k9q0x2m4n5b6v7c8z1a" }),
    label: z.string(),
    status: z.enum(["active", "revoked"]),
    created_at: timestamp,
    created_by: z.string(),
    revoked_at: timestamp.nullable(),
  })
  .openapi("ProductShare");

export const ShareList = z.object({ items: z.array(ShareOut) }).openapi("ProductShareList");

export const CreateShareBody = z
  .strictObject({
    label: z.string().trim().min(1).max(100).openapi({ description: "Who the link is for, so you know which one to revoke", example: "Finance stakeholders" }),
  })
  .openapi("CreateProductShareRequest");

export const CreatedShare = z
  .object({
    share: ShareOut,
    url: z.string().openapi({ description: "The status page's link; shown only in this response" }),
    token: z.string().openapi({ description: "The secret part of the link; shown only in this response" }),
  })
  .openapi("CreatedProductShare");

export const shareOut = (s: ProductShare): z.input<typeof ShareOut> => ({
  id: s.id,
  label: s.label,
  status: s.revokedAt === null ? "active" : "revoked",
  created_at: new Date(s.createdAt).toISOString(),
  created_by: s.createdBy,
  revoked_at: isoOrNull(s.revokedAt),
});

export const SubscriptionOut = z
  .object({
    id: z.string().openapi({ example: "sub_3k9q0x2m4n5b6v7c8z1a" }),
    kind: z.enum(subscriptionKinds),
    email: z.string().nullable().openapi({ description: "The subscriber's address (e-mail subscriptions)" }),
    channel_id: z.string().nullable().openapi({ description: "The owner team's alert channel (channel subscriptions)" }),
    status: z.enum(["pending", "confirmed"]).openapi({ description: "`pending`: the address has not confirmed yet and receives nothing" }),
    created_at: timestamp,
  })
  .openapi("ProductSubscription");

export const SubscriptionList = z.object({ items: z.array(SubscriptionOut) }).openapi("ProductSubscriptionList");

export const AddChannelBody = z
  .strictObject({
    channel_id: z.string().min(1).max(64).openapi({ description: "An alert channel of the product's owner team, e.g. a stakeholders' Slack channel" }),
  })
  .openapi("AddProductSubscriptionRequest");

export const subscriptionOut = (s: ProductSubscription): z.input<typeof SubscriptionOut> => ({
  id: s.id,
  kind: s.kind,
  email: s.email,
  channel_id: s.channelId,
  status: s.confirmedAt === null ? "pending" : "confirmed",
  created_at: new Date(s.createdAt).toISOString(),
});

export const ShareParams = z.object({ id: z.string().min(1).max(64), shareId: z.string().min(1).max(64) });
export const SubscriptionParams = z.object({ id: z.string().min(1).max(64), subscriptionId: z.string().min(1).max(64) });
