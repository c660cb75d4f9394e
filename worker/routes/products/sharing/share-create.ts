import { createRoute } from "@hono/zod-openapi";
import type { Router } from "../../../context";
import { createShare } from "../../../db/repo/products/shares";
import { sha256Hex } from "../../../lib/hash";
import { randomString } from "../../../lib/ids";
import { requireTeamSecretsWrite } from "../../../lib/principal";
import { appOrigin, auditSource } from "../../../lib/request";
import { withholdFromReplay } from "../../../middleware/idempotency";
import { statusPageUrl } from "../../../status/links";
import { bearerSecurity, errors, jsonBody, jsonResponse, send } from "../../shared";
import { ProductParam } from "../get";
import { loadProduct } from "../load";
import { CreateShareBody, CreatedShare, shareOut } from "./schemas";

/** 32 characters of [0-9a-z] ≈ 165 bits: unguessable, and short enough to paste. */
const SHARE_TOKEN_LENGTH = 32;

export const route = createRoute({
  method: "post",
  path: "/products/{id}/shares",
  tags: ["products"],
  summary: "Create a share link of the product's status page (signed-in members of the owner team, tenant admins)",
  description:
    "Anyone with the link sees the product's status page without an account: health, freshness against its SLA, incidents with their notes, " +
    "the last 30 days. The link (`url`, `token`) is returned once; only a hash of the token is stored. " +
    "A retry with the same Idempotency-Key answers 409 instead of repeating the link (revoke it and create another if it was lost).",
  security: bearerSecurity,
  request: { params: ProductParam, ...jsonBody(CreateShareBody) },
  responses: { 201: jsonResponse(CreatedShare, "The link, shown once"), ...errors(400, 401, 403, 404, 409, 413, 415) },
});

export function register(app: Router) {
  app.openapi(route, async (c) => {
    const { p, ctx, product } = await loadProduct(c, c.req.valid("param").id);
    // A share link is a credential to the product's status: people create them, as they do API tokens.
    requireTeamSecretsWrite(p, product.ownerTeamId, "sharing a status page");
    const token = randomString(SHARE_TOKEN_LENGTH);
    const share = await createShare(ctx, auditSource(c), {
      productId: product.id,
      ownerTeamId: product.ownerTeamId,
      label: c.req.valid("json").label,
      tokenHash: await sha256Hex(token),
      createdBy: p.userId,
    });
    withholdFromReplay(
      c,
      `this Idempotency-Key already created share link ${share.id}; it was shown only once, in the first response — revoke it and create another if it was lost`,
    );
    return send(c, 201, CreatedShare, { share: shareOut(share), url: statusPageUrl(appOrigin(c), token), token });
  });
}
