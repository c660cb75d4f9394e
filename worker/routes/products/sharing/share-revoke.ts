import { createRoute } from "@hono/zod-openapi";
import type { Router } from "../../../context";
import { getShare, revokeShare } from "../../../db/repo/products/shares";
import { notFound } from "../../../lib/errors";
import { requireTeamWrite } from "../../../lib/principal";
import { auditSource } from "../../../lib/request";
import { bearerSecurity, errors, jsonResponse, send } from "../../shared";
import { loadProduct } from "../load";
import { ShareOut, ShareParams, shareOut } from "./schemas";

export const route = createRoute({
  method: "delete",
  path: "/products/{id}/shares/{shareId}",
  tags: ["products"],
  summary: "Revoke a share link: its status page answers 404 from now on (owner team, tenant admins)",
  security: bearerSecurity,
  request: { params: ShareParams },
  responses: { 200: jsonResponse(ShareOut, "The revoked link"), ...errors(401, 403, 404) },
});

export function register(app: Router) {
  app.openapi(route, async (c) => {
    const params = c.req.valid("param");
    const { p, ctx, product } = await loadProduct(c, params.id);
    const share = await getShare(ctx, product.id, params.shareId);
    if (!share) throw notFound("share link");
    requireTeamWrite(p, product.ownerTeamId, "metadata:write");
    const revoked = share.revokedAt !== null ? share : await revokeShare(ctx, auditSource(c), share, product.ownerTeamId, p.userId);
    return send(c, 200, ShareOut, shareOut(revoked));
  });
}
