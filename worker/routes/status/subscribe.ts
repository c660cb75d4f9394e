import { createRoute, z } from "@hono/zod-openapi";
import type { Router } from "../../context";
import { getProduct } from "../../db/repo/products/products";
import { subscribeEmail } from "../../db/repo/products/subscriptions";
import { notFound } from "../../lib/errors";
import { appOrigin, requestLog } from "../../lib/request";
import { confirmSubscriptionMail } from "../../mail/status-mails";
import { sendMail } from "../../mail/send";
import { confirmUrl, signSubscriptionLink } from "../../status/links";
import { limitMailRequests } from "../auth/limits";
import { errors, jsonBody, jsonResponse, send } from "../shared";
import { ShareToken, SubscribeBody, SubscribeOut } from "./schemas";
import { liveShare } from "./shared";

export const route = createRoute({
  method: "post",
  path: "/status/{token}/subscribe",
  tags: ["status pages"],
  summary: "Public: subscribe an e-mail address to the product's incidents (double opt-in)",
  description:
    "Mails a confirmation link to the address; nothing else is sent to it until the link is followed. The answer is the same " +
    "whether the address was new, pending or already confirmed. Limited per client address and per recipient, like sign-up.",
  request: { params: z.object({ token: ShareToken }), ...jsonBody(SubscribeBody) },
  responses: { 202: jsonResponse(SubscribeOut, "Check your inbox"), ...errors(400, 404, 413, 415, 429) },
});

export function register(app: Router) {
  app.openapi(route, async (c) => {
    const { share, ctx } = await liveShare(c, c.req.valid("param").token);
    const { email } = c.req.valid("json");
    await limitMailRequests(c, "subscribe", email);
    const product = await getProduct(ctx, share.productId);
    if (!product) throw notFound("status page");
    const now = c.get("clock").now();
    const origin = appOrigin(c);
    const { sub } = await subscribeEmail(ctx, product.p.id, email, origin, now);
    // A confirmed address is not mailed again; a pending one gets its link again (the first mail may be lost).
    if (sub.confirmedAt === null) {
      const token = await signSubscriptionLink(c.env.TUTTI_MASTER_KEY, ctx.tenantId, sub.id, "confirm");
      await sendMail(c.env, c.get("controlDb"), confirmSubscriptionMail(email, product.p.title, confirmUrl(origin, token)), now, requestLog(c));
    }
    return send(c, 202, SubscribeOut, {
      message: `If ${email} can receive mail, a confirmation link is on its way; follow it to start receiving incidents of ${product.p.title}.`,
    });
  });
}
