import { createRoute } from "@hono/zod-openapi";
import type { Router } from "../../../context";
import { requireScope } from "../../../lib/principal";
import { bearerSecurity, errors, jsonResponse, send } from "../../shared";
import { ProductParam } from "../get";
import { loadProduct } from "../load";
import { UnusedStateOut, unusedStateOut } from "./schemas";

export const route = createRoute({
  method: "get",
  path: "/products/{id}/unused-policy",
  tags: ["products"],
  summary: "Run only what is used: the product's unused policy, a pending notice, what it slowed or paused and what that saved",
  security: bearerSecurity,
  request: { params: ProductParam },
  responses: { 200: jsonResponse(UnusedStateOut, "The policy and its actions"), ...errors(401, 403, 404) },
});

export function register(app: Router) {
  app.openapi(route, async (c) => {
    requireScope(c.get("principal"), "read");
    const { ctx, product } = await loadProduct(c, c.req.valid("param").id);
    return send(c, 200, UnusedStateOut, await unusedStateOut(c, ctx, product));
  });
}
