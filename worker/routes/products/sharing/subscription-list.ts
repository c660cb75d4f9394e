import { createRoute } from "@hono/zod-openapi";
import type { Router } from "../../../context";
import { listSubscriptions } from "../../../db/repo/products/subscriptions";
import { requireTeamWrite } from "../../../lib/principal";
import { bearerSecurity, errors, jsonResponse, send } from "../../shared";
import { ProductParam } from "../get";
import { loadProduct } from "../load";
import { SubscriptionList, subscriptionOut } from "./schemas";

export const route = createRoute({
  method: "get",
  path: "/products/{id}/subscriptions",
  tags: ["products"],
  summary: "Who is told about the product's incidents: e-mail subscribers and the owners' channels (owner team, tenant admins)",
  security: bearerSecurity,
  request: { params: ProductParam },
  responses: { 200: jsonResponse(SubscriptionList, "The subscriptions"), ...errors(401, 403, 404) },
});

export function register(app: Router) {
  app.openapi(route, async (c) => {
    const { p, ctx, product } = await loadProduct(c, c.req.valid("param").id);
    // Subscribers' addresses are personal data: the owners see them, not the whole tenant.
    requireTeamWrite(p, product.ownerTeamId, "read");
    return send(c, 200, SubscriptionList, { items: (await listSubscriptions(ctx, product.id)).map(subscriptionOut) });
  });
}
