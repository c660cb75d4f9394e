import { createRoute } from "@hono/zod-openapi";
import type { Router } from "../../context";
import { getCostSettings } from "../../db/repo/costs/settings";
import { getProduct, membersOf as storedMembers } from "../../db/repo/products/products";
import { updateProduct } from "../../db/repo/products/write";
import { isUniqueViolation } from "../../db/unique";
import { conflict } from "../../lib/errors";
import { requireTeamWrite } from "../../lib/principal";
import { auditSource } from "../../lib/request";
import { reattributeLater, recentScope } from "../costs/after-write";
import { bearerSecurity, errors, jsonBody, jsonResponse, send } from "../shared";
import { ProductParam } from "./get";
import { checkOwnerTeam, fieldsOf, membersOf } from "./input";
import { loadProduct } from "./load";
import { ProductOut, UpdateProductBody, productOut } from "./schemas";

export const route = createRoute({
  method: "patch",
  path: "/products/{id}",
  tags: ["products"],
  summary: "Change a product; member lists given replace the current ones",
  description:
    "Needs `metadata:write` and membership of the owner team (tenant admins may change any). Changing members or the name re-attributes the last 35 days of cost in the background.",
  security: bearerSecurity,
  request: { params: ProductParam, ...jsonBody(UpdateProductBody) },
  responses: { 200: jsonResponse(ProductOut, "The updated product"), ...errors(400, 401, 403, 404, 409, 413, 415) },
});

export function register(app: Router) {
  app.openapi(route, async (c) => {
    const { p, ctx, product } = await loadProduct(c, c.req.valid("param").id);
    requireTeamWrite(p, product.ownerTeamId, "metadata:write");
    const body = c.req.valid("json");
    if (body.owner_team_id !== undefined && body.owner_team_id !== product.ownerTeamId) await checkOwnerTeam(ctx, p, body.owner_team_id);
    const { currency } = await getCostSettings(ctx);
    const fields = fieldsOf(body, currency);
    const members = await membersOf(ctx, body);
    await updateProduct(ctx, auditSource(c), product, fields, members).catch((err) => {
      if (isUniqueViolation(err)) throw conflict(`a product named "${body.name}" exists`, [{ path: "name", message: "taken" }]);
      throw err;
    });
    // Membership decides attribution; so does the name (pipelines declare products by name) and the owner (team spend).
    if (members || fields.name !== undefined || fields.ownerTeamId !== undefined) reattributeLater(c, ctx, recentScope(c.get("clock").now()));
    const row = (await getProduct(ctx, product.id))!;
    return send(c, 200, ProductOut, productOut(row.p, row.teamName, await storedMembers(ctx, product.id), currency));
  });
}
