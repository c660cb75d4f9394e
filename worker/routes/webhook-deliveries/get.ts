import { createRoute } from "@hono/zod-openapi";
import type { Router } from "../../context";
import { readRawText } from "../../blobs/raw-bodies";
import { tenantBlobs } from "../../blobs/store";
import { tenantCtx } from "../../db/client";
import { getDelivery } from "../../db/repo/platform/webhook-deliveries";
import { notFound } from "../../lib/errors";
import { canSeeTeamResources, requireScope } from "../../lib/principal";
import { IdParam, bearerSecurity, errors, jsonResponse, send } from "../shared";
import { WebhookDeliveryDetailOut, deliveryDetailOut } from "./schemas";

export const route = createRoute({
  method: "get",
  path: "/webhook-deliveries/{id}",
  tags: ["webhooks"],
  summary: "One webhook delivery with its payload",
  security: bearerSecurity,
  request: { params: IdParam },
  responses: { 200: jsonResponse(WebhookDeliveryDetailOut, "The delivery"), ...errors(401, 403, 404) },
});

export function register(app: Router) {
  app.openapi(route, async (c) => {
    const p = c.get("principal");
    requireScope(p, "read");
    const ctx = tenantCtx(c.get("db"), p.tenantId, c.get("controlDb"));
    const delivery = await getDelivery(ctx, c.req.valid("param").id);
    if (!delivery || !canSeeTeamResources(p, delivery.teamId)) throw notFound("webhook delivery");
    const text = await readRawText(tenantBlobs(c.env.BLOBS, ctx), {
      key: delivery.payloadBlobKey,
      offset: delivery.payloadOffset,
      sizeBytes: delivery.payloadBytes,
      text: delivery.payload,
    });
    return send(c, 200, WebhookDeliveryDetailOut, deliveryDetailOut(delivery, text));
  });
}
