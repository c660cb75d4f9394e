import { createRoute } from "@hono/zod-openapi";
import type { Router } from "../../../context";
import { listShares } from "../../../db/repo/products/shares";
import { requireTeamWrite } from "../../../lib/principal";
import { bearerSecurity, errors, jsonResponse, send } from "../../shared";
import { ProductParam } from "../get";
import { loadProduct } from "../load";
import { ShareList, shareOut } from "./schemas";

export const route = createRoute({
  method: "get",
  path: "/products/{id}/shares",
  tags: ["products"],
  summary: "The product's status-page share links, revoked ones included (owner team, tenant admins); never their tokens",
  security: bearerSecurity,
  request: { params: ProductParam },
  responses: { 200: jsonResponse(ShareList, "The links, newest first"), ...errors(401, 403, 404) },
});

export function register(app: Router) {
  app.openapi(route, async (c) => {
    const { p, ctx, product } = await loadProduct(c, c.req.valid("param").id);
    requireTeamWrite(p, product.ownerTeamId, "read");
    return send(c, 200, ShareList, { items: (await listShares(ctx, product.id)).map(shareOut) });
  });
}
