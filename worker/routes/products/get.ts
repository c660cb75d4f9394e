import { createRoute, z } from "@hono/zod-openapi";
import type { Router } from "../../context";
import { getCostSettings } from "../../db/repo/costs/settings";
import { membersOf } from "../../db/repo/products/products";
import { requireScope } from "../../lib/principal";
import { bearerSecurity, errors, jsonResponse, send } from "../shared";
import { loadProduct } from "./load";
import { ProductOut, productOut } from "./schemas";

export const ProductParam = z.object({ id: z.string().min(1).max(64).openapi({ description: "Product id (`dp_…`) or name" }) });

export const route = createRoute({
  method: "get",
  path: "/products/{id}",
  tags: ["products"],
  summary: "A data product: owner, tier, SLA, consumers, declared value and members",
  security: bearerSecurity,
  request: { params: ProductParam },
  responses: { 200: jsonResponse(ProductOut, "The product"), ...errors(401, 403, 404) },
});

export function register(app: Router) {
  app.openapi(route, async (c) => {
    requireScope(c.get("principal"), "read");
    const { ctx, product, teamName } = await loadProduct(c, c.req.valid("param").id);
    const [members, settings] = await Promise.all([membersOf(ctx, product.id), getCostSettings(ctx)]);
    return send(c, 200, ProductOut, productOut(product, teamName, members, settings.currency));
  });
}
