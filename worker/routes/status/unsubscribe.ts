import { createRoute } from "@hono/zod-openapi";
import type { Router } from "../../context";
import { removeSubscription } from "../../db/repo/products/subscriptions";
import { clientIp } from "../../lib/request";
import { errors, jsonBody, jsonResponse, send } from "../shared";
import { SubscriptionLinkBody, SubscriptionLinkOut } from "./schemas";
import { SUBSCRIBER_ACTOR } from "./shared";
import { subscriptionOfLink } from "./subscription-link";

export const route = createRoute({
  method: "post",
  path: "/status/unsubscribe",
  tags: ["status pages"],
  summary: "Public: end an e-mail subscription with the token from the unsubscribe link every incident mail carries",
  description: "Takes effect at once: deliveries still queued for the address are skipped. A second use answers 404 (the subscription is gone).",
  request: jsonBody(SubscriptionLinkBody),
  responses: { 200: jsonResponse(SubscriptionLinkOut, "Unsubscribed"), ...errors(400, 404, 413, 415, 429) },
});

export function register(app: Router) {
  app.openapi(route, async (c) => {
    const { sub, ctx, product } = await subscriptionOfLink(c, c.req.valid("json").token, "unsubscribe");
    await removeSubscription(
      ctx,
      { principal: { actor: SUBSCRIBER_ACTOR }, ip: clientIp(c), requestId: c.get("requestId"), now: c.get("clock").now() },
      sub,
      product.ownerTeamId,
    );
    return send(c, 200, SubscriptionLinkOut, { product: { title: product.title }, status: "unsubscribed" });
  });
}
