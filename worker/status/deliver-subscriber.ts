import type { TenantCtx } from "../db/client";
import type { AlertDelivery } from "../db/repo/alerting/deliveries";
import { subscriptionById } from "../db/repo/products/subscriptions";
import type { Env } from "../env";
import type { SendResult } from "../alerting/send";
import { logger } from "../lib/log";
import { incidentMail } from "../mail/status-mails";
import { sendMail } from "../mail/send";
import { signSubscriptionLink, unsubscribeUrl } from "./links";

/** Whether a delivery goes to an e-mail subscription (its channel id is the subscription's) rather than an alert channel. */
export const isSubscriberDelivery = (d: Pick<AlertDelivery, "channelId">) => d.channelId.startsWith("sub_");

/**
 * Sends one incident mail to a confirmed subscriber through the account mailer (worker/mail/send.ts), with the
 * subscription's unsubscribe link. An address that unsubscribed (or whose product was deleted) since is skipped.
 */
export async function sendToSubscriber(env: Env, ctx: TenantCtx, d: AlertDelivery, now: number): Promise<SendResult> {
  const sub = await subscriptionById(ctx, d.channelId);
  if (!sub?.email || sub.confirmedAt === null) return { outcome: "skip", error: "the subscriber unsubscribed" };
  const origin = (env.APP_URL || sub.linkOrigin || "").replace(/\/+$/, "");
  if (!origin) return { outcome: "skip", error: "no origin for the unsubscribe link: set APP_URL" };
  const token = await signSubscriptionLink(env.TUTTI_MASTER_KEY, ctx.tenantId, sub.id, "unsubscribe");
  const outcome = await sendMail(env, ctx.control, incidentMail(sub.email, d.message, unsubscribeUrl(origin, token)), now, logger({ tenantId: ctx.tenantId }));
  switch (outcome) {
    case "sent":
    case "captured":
      return { outcome: "sent", status: null };
    case "not_configured":
      return { outcome: "skip", error: "mail is not configured on this deployment (docs/deployment.md#e-mail)" };
    case "failed":
      return { outcome: "retry", status: null, error: "the e-mail binding refused the message" };
  }
}
