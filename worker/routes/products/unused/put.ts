import { createRoute } from "@hono/zod-openapi";
import type { Router } from "../../../context";
import { getProduct } from "../../../db/repo/products/products";
import { setUnusedPolicy } from "../../../db/repo/products/unused";
import { requireTeamMaintainer } from "../../../lib/principal";
import { auditSource } from "../../../lib/request";
import { bearerSecurity, errors, jsonBody, jsonResponse, send } from "../../shared";
import { ProductParam } from "../get";
import { loadProduct } from "../load";
import { PutUnusedPolicyBody, UnusedStateOut, unusedStateOut } from "./schemas";

export const route = createRoute({
  method: "put",
  path: "/products/{id}/unused-policy",
  tags: ["products"],
  summary: "Set or turn off the product's unused policy (slow or pause its pipelines after N days without use)",
  description:
    "Maintainers of the owner team and tenant admins. A pending notice is withdrawn by any change; actions already taken stay until undone. Audited.",
  security: bearerSecurity,
  request: { params: ProductParam, ...jsonBody(PutUnusedPolicyBody) },
  responses: { 200: jsonResponse(UnusedStateOut, "The policy and its actions"), ...errors(400, 401, 403, 404, 413, 415) },
});

export function register(app: Router) {
  app.openapi(route, async (c) => {
    const { p, ctx, product } = await loadProduct(c, c.req.valid("param").id);
    requireTeamMaintainer(p, product.ownerTeamId);
    const { policy } = c.req.valid("json");
    await setUnusedPolicy(
      ctx,
      auditSource(c),
      product,
      policy ? { afterDays: policy.after_days, action: policy.action, slowTo: policy.action === "slow" ? (policy.slow_to ?? "daily") : null } : null,
    );
    const row = (await getProduct(ctx, product.id))!;
    return send(c, 200, UnusedStateOut, await unusedStateOut(c, ctx, row.p));
  });
}
