import { createRoute } from "@hono/zod-openapi";
import type { Router } from "../../../context";
import { getChannel } from "../../../db/repo/alerting/channels";
import { subscribeChannel } from "../../../db/repo/products/subscriptions";
import { conflict, invalid } from "../../../lib/errors";
import { requireTeamWrite } from "../../../lib/principal";
import { auditSource } from "../../../lib/request";
import { bearerSecurity, errors, jsonBody, jsonResponse, send } from "../../shared";
import { ProductParam } from "../get";
import { loadProduct } from "../load";
import { AddChannelBody, SubscriptionOut, subscriptionOut } from "./schemas";

export const route = createRoute({
  method: "post",
  path: "/products/{id}/subscriptions",
  tags: ["products"],
  summary: "Send the product's incidents (opened, notes, resolved) to an alert channel of its owner team, e.g. the stakeholders' Slack channel",
  security: bearerSecurity,
  request: { params: ProductParam, ...jsonBody(AddChannelBody) },
  responses: { 201: jsonResponse(SubscriptionOut, "The channel's subscription"), ...errors(400, 401, 403, 404, 409, 413, 415) },
});

export function register(app: Router) {
  app.openapi(route, async (c) => {
    const { p, ctx, product } = await loadProduct(c, c.req.valid("param").id);
    requireTeamWrite(p, product.ownerTeamId, "metadata:write");
    const { channel_id } = c.req.valid("json");
    // The owner team's own channels only: another team's channel (and its Slack secret) is not theirs to send to.
    const channel = await getChannel(ctx, channel_id);
    if (!channel || channel.teamId !== product.ownerTeamId) throw invalid("channel_id", "no such alert channel of the product's owner team");
    const sub = await subscribeChannel(ctx, auditSource(c), {
      productId: product.id,
      ownerTeamId: product.ownerTeamId,
      channelId: channel.id,
      createdBy: p.userId,
    });
    if (!sub) throw conflict("this channel already receives the product's incidents", [{ path: "channel_id", message: "already subscribed" }]);
    return send(c, 201, SubscriptionOut, subscriptionOut(sub));
  });
}
