import { createRoute } from "@hono/zod-openapi";
import type { Router } from "../../../context";
import { getSubscription, removeSubscription } from "../../../db/repo/products/subscriptions";
import { notFound } from "../../../lib/errors";
import { requireTeamWrite } from "../../../lib/principal";
import { auditSource } from "../../../lib/request";
import { bearerSecurity, errors, jsonResponse, send } from "../../shared";
import { loadProduct } from "../load";
import { SubscriptionOut, SubscriptionParams, subscriptionOut } from "./schemas";

export const route = createRoute({
  method: "delete",
  path: "/products/{id}/subscriptions/{subscriptionId}",
  tags: ["products"],
  summary: "Stop sending the product's incidents to a channel or an address (owner team, tenant admins)",
  security: bearerSecurity,
  request: { params: SubscriptionParams },
  responses: { 200: jsonResponse(SubscriptionOut, "The removed subscription"), ...errors(401, 403, 404) },
});

export function register(app: Router) {
  app.openapi(route, async (c) => {
    const params = c.req.valid("param");
    const { p, ctx, product } = await loadProduct(c, params.id);
    const sub = await getSubscription(ctx, product.id, params.subscriptionId);
    if (!sub) throw notFound("subscription");
    requireTeamWrite(p, product.ownerTeamId, "metadata:write");
    await removeSubscription(ctx, auditSource(c), sub, product.ownerTeamId);
    return send(c, 200, SubscriptionOut, subscriptionOut(sub));
  });
}
