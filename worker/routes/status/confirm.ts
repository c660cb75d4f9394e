import { createRoute } from "@hono/zod-openapi";
import type { Router } from "../../context";
import { confirmSubscription } from "../../db/repo/products/subscriptions";
import { clientIp } from "../../lib/request";
import { errors, jsonBody, jsonResponse, send } from "../shared";
import { SubscriptionLinkBody, SubscriptionLinkOut } from "./schemas";
import { SUBSCRIBER_ACTOR } from "./shared";
import { subscriptionOfLink } from "./subscription-link";

export const route = createRoute({
  method: "post",
  path: "/status/confirm",
  tags: ["status pages"],
  summary: "Public: confirm an e-mail subscription with the token from its confirmation mail",
  description: "A POST from the confirmation page, not the mailed link itself, so mail scanners that open links confirm nothing. Confirming twice is harmless.",
  request: jsonBody(SubscriptionLinkBody),
  responses: { 200: jsonResponse(SubscriptionLinkOut, "Confirmed"), ...errors(400, 404, 413, 415, 429) },
});

export function register(app: Router) {
  app.openapi(route, async (c) => {
    const { sub, ctx, product } = await subscriptionOfLink(c, c.req.valid("json").token, "confirm");
    await confirmSubscription(
      ctx,
      { principal: { actor: SUBSCRIBER_ACTOR }, ip: clientIp(c), requestId: c.get("requestId"), now: c.get("clock").now() },
      sub,
      product.ownerTeamId,
    );
    return send(c, 200, SubscriptionLinkOut, { product: { title: product.title }, status: "confirmed" });
  });
}
