import type { Context } from "hono";
import type { AppEnv } from "../../context";
import { getProduct } from "../../db/repo/products/products";
import { findSubscription } from "../../db/repo/products/subscriptions";
import { notFound } from "../../lib/errors";
import { publicIdContext } from "../../lib/public-ids";
import { subscriptionIdOf, verifySubscriptionLink, type LinkPurpose } from "../../status/links";
import { limitStatusRequests } from "./shared";

/** The subscription a mailed link is for, when its signature holds for that purpose; 404 otherwise (also once it is gone). */
export async function subscriptionOfLink(c: Context<AppEnv>, token: string, purpose: LinkPurpose) {
  await limitStatusRequests(c);
  const id = subscriptionIdOf(token);
  const ctx = id ? await publicIdContext(c, "subscription", id) : null;
  const sub = ctx && id ? await findSubscription(ctx, id) : null;
  if (!ctx || sub?.kind !== "email" || !(await verifySubscriptionLink(c.env.TUTTI_MASTER_KEY, sub.tenantId, token, purpose))) throw notFound("subscription");
  const product = await getProduct(ctx, sub.productId);
  if (!product) throw notFound("subscription");
  return { sub, ctx, product: product.p };
}
