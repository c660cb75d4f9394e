import { createRoute } from "@hono/zod-openapi";
import type { Router } from "../../context";
import { tenantCtx } from "../../db/client";
import { getCostSettings } from "../../db/repo/costs/settings";
import { createProduct, type ProductFields } from "../../db/repo/products/write";
import { getProduct, membersOf as storedMembers } from "../../db/repo/products/products";
import { isUniqueViolation } from "../../db/unique";
import { conflict } from "../../lib/errors";
import { requireScope } from "../../lib/principal";
import { auditSource } from "../../lib/request";
import { reattributeLater, recentScope } from "../costs/after-write";
import { bearerSecurity, errors, jsonBody, jsonResponse, send } from "../shared";
import { checkOwnerTeam, fieldsOf, membersOf } from "./input";
import { CreateProductBody, ProductOut, productOut } from "./schemas";

export const route = createRoute({
  method: "post",
  path: "/products",
  tags: ["products"],
  summary: "Create a data product owned by one of your teams",
  description:
    "Needs `metadata:write` and membership of the owner team. Members can be picked datasets, tags, name patterns and pipelines; pipelines may also declare the product by name in their spec (`products: [name]`).",
  security: bearerSecurity,
  request: jsonBody(CreateProductBody),
  responses: { 201: jsonResponse(ProductOut, "The new product"), ...errors(400, 401, 403, 409, 413, 415) },
});

export function register(app: Router) {
  app.openapi(route, async (c) => {
    const p = c.get("principal");
    requireScope(p, "metadata:write");
    const body = c.req.valid("json");
    const ctx = tenantCtx(c.get("db"), p.tenantId, c.get("controlDb"));
    await checkOwnerTeam(ctx, p, body.owner_team_id);
    const { currency } = await getCostSettings(ctx);
    const fields: ProductFields = {
      title: body.name,
      description: "",
      tier: "medium",
      valueMicros: null,
      valueRationale: "",
      sla: null,
      slaSuccessTarget: null,
      consumers: [],
      ...(fieldsOf(body, currency) as Partial<ProductFields>),
      name: body.name,
      ownerTeamId: body.owner_team_id,
    };
    const members = (await membersOf(ctx, body)) ?? [];
    const product = await createProduct(ctx, auditSource(c), fields, members).catch((err) => {
      if (isUniqueViolation(err)) throw conflict(`a product named "${body.name}" exists`, [{ path: "name", message: "taken" }]);
      throw err;
    });
    reattributeLater(c, ctx, recentScope(c.get("clock").now()));
    const row = (await getProduct(ctx, product.id))!;
    return send(c, 201, ProductOut, productOut(row.p, row.teamName, await storedMembers(ctx, product.id), currency));
  });
}
