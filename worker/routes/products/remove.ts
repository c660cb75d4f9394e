import { createRoute } from "@hono/zod-openapi";
import type { Router } from "../../context";
import { deleteProduct } from "../../db/repo/products/write";
import { requireTeamWrite } from "../../lib/principal";
import { auditSource } from "../../lib/request";
import { reattributeLater } from "../costs/after-write";
import { bearerSecurity, errors } from "../shared";
import { ProductParam } from "./get";
import { loadProduct } from "./load";

export const route = createRoute({
  method: "delete",
  path: "/products/{id}",
  tags: ["products"],
  summary: "Delete a product; the cost allocated to it is re-attributed in the background",
  security: bearerSecurity,
  request: { params: ProductParam },
  responses: { 204: { description: "Deleted" }, ...errors(401, 403, 404) },
});

export function register(app: Router) {
  app.openapi(route, async (c) => {
    const { p, ctx, product } = await loadProduct(c, c.req.valid("param").id);
    requireTeamWrite(p, product.ownerTeamId, "metadata:write");
    await deleteProduct(ctx, auditSource(c), product);
    reattributeLater(c, ctx, { productId: product.id });
    return c.body(null, 204);
  });
}
