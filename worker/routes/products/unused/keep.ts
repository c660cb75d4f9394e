import { createRoute } from "@hono/zod-openapi";
import type { Router } from "../../../context";
import { getProduct } from "../../../db/repo/products/products";
import { activeActions, keepProduct } from "../../../db/repo/products/unused";
import { conflict } from "../../../lib/errors";
import { requireTeamWrite } from "../../../lib/principal";
import { auditSource } from "../../../lib/request";
import { bearerSecurity, errors, jsonResponse, send } from "../../shared";
import { ProductParam } from "../get";
import { loadProduct } from "../load";
import { UnusedStateOut, unusedStateOut } from "./schemas";

const DAY_MS = 86_400_000;

export const route = createRoute({
  method: "post",
  path: "/products/{id}/unused-actions/keep",
  tags: ["products"],
  summary: "Keep the product's pipelines running: withdraws a pending notice; the policy does not act for its next after_days",
  description: "Members of the owner team (`metadata:write`) and tenant admins. Audited. 409 once the pipelines were changed: undo instead.",
  security: bearerSecurity,
  request: { params: ProductParam },
  responses: { 200: jsonResponse(UnusedStateOut, "The policy and its actions"), ...errors(401, 403, 404, 409) },
});

export function register(app: Router) {
  app.openapi(route, async (c) => {
    const { p, ctx, product } = await loadProduct(c, c.req.valid("param").id);
    requireTeamWrite(p, product.ownerTeamId, "metadata:write");
    if (!product.unusedPolicy) throw conflict("the product has no unused policy");
    if ((await activeActions(ctx)).some((a) => a.productId === product.id)) throw conflict("its pipelines were already slowed or paused: undo instead");
    const source = auditSource(c);
    await keepProduct(ctx, source, product, source.now + product.unusedPolicy.afterDays * DAY_MS, "kept");
    const row = (await getProduct(ctx, product.id))!;
    return send(c, 200, UnusedStateOut, await unusedStateOut(c, ctx, row.p));
  });
}
