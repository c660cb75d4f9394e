import { createRoute, z } from "@hono/zod-openapi";
import type { Router } from "../../context";
import { tenantCtx } from "../../db/client";
import { getCostSettings } from "../../db/repo/costs/settings";
import { listProducts, membersOfProducts } from "../../db/repo/products/products";
import { decodeCursor, page, pageQuery } from "../../lib/cursor";
import { requireScope } from "../../lib/principal";
import { bearerSecurity, errors, jsonResponse, send } from "../shared";
import { ProductList, productOut } from "./schemas";

const Query = z.object({
  q: z.string().trim().min(1).max(200).optional().openapi({ description: "Substring of the name or title" }),
  owner_team_id: z.string().max(64).optional(),
  ...pageQuery,
});
const Cursor = z.object({ name: z.string() });

export const route = createRoute({
  method: "get",
  path: "/products",
  tags: ["products"],
  summary: "Data products of the tenant, by name (every team's products are visible)",
  description: "For cost, usage, value and reliability side by side, ranked, use GET /scorecard.",
  security: bearerSecurity,
  request: { query: Query },
  responses: { 200: jsonResponse(ProductList, "Products"), ...errors(400, 401, 403) },
});

export function register(app: Router) {
  app.openapi(route, async (c) => {
    const p = c.get("principal");
    requireScope(p, "read");
    const q = c.req.valid("query");
    const ctx = tenantCtx(c.get("db"), p.tenantId, c.get("controlDb"));
    const rows = await listProducts(ctx, { q: q.q, ownerTeamId: q.owner_team_id, after: decodeCursor(q.cursor, Cursor)?.name, limit: q.limit });
    const result = page(rows, q.limit, (r) => ({ name: r.p.name }));
    const ids = result.items.map((r) => r.p.id);
    const members = await membersOfProducts(ctx, ids);
    const { currency } = await getCostSettings(ctx);
    return send(c, 200, ProductList, {
      items: result.items.map((r) =>
        productOut(
          r.p,
          r.teamName,
          members.filter((m) => m.productId === r.p.id),
          currency,
        ),
      ),
      next_cursor: result.next_cursor,
    });
  });
}
