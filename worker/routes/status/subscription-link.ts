import type { Context } from "hono";
import type { AppEnv } from "../../context";
import { tenantCtx } from "../../db/client";
import { getProduct } from "../../db/repo/products/products";
import { findSubscription } from "../../db/repo/products/subscriptions";
import { notFound } from "../../lib/errors";
import { subscriptionIdOf, verifySubscriptionLink, type LinkPurpose } from "../../status/links";
import { limitStatusRequests } from "./shared";

/** The subscription a mailed link is for, when its signature holds for that purpose; 404 otherwise (also once it is gone). */
export async function subscriptionOfLink(c: Context<AppEnv>, token: string, purpose: LinkPurpose) {
  await limitStatusRequests(c);
  const id = subscriptionIdOf(token);
  const sub = id ? await findSubscription(c.get("db"), id) : null;
  if (sub?.kind !== "email" || !(await verifySubscriptionLink(c.env.TUTTI_MASTER_KEY, sub.tenantId, token, purpose))) throw notFound("subscription");
  const ctx = tenantCtx(c.get("db"), sub.tenantId, c.get("controlDb"));
  const product = await getProduct(ctx, sub.productId);
  if (!product) throw notFound("subscription");
  return { sub, ctx, product: product.p };
}
