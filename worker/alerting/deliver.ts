import type { TenantCtx } from "../db/client";
import { disableChannel, getChannel } from "../db/repo/alerting/channels";
import { claimDelivery, getDelivery, markDead, markRetrying, markSent, markSkipped, type AlertDelivery } from "../db/repo/alerting/deliveries";
import { addSystemEvent } from "../db/repo/alerting/alert-writes";
import type { Env } from "../env";
import { isSubscriberDelivery, sendToSubscriber } from "../status/deliver-subscriber";
import { sendToChannel, type SendResult } from "./send";

/**
 * Sends one delivery, at most once successfully: a claim with a lease keeps two consumers from sending it together,
 * and a sent delivery is never claimed again. Failures retry with exponential backoff through the queue's own
 * `retry({ delaySeconds })` until the attempt limit, then the delivery is dead: visible in the dead-letter view and on
 * the alert's timeline, and redeliverable from there.
 */

const LEASE_MS = 60_000;
const MAX_DELAY_SECONDS = 12 * 3600;

export interface RetryPolicy {
  baseSeconds: number;
  maxAttempts: number;
}

/**
 * ALERT_RETRY_BASE_SECONDS (default 30) and ALERT_DELIVERY_MAX_ATTEMPTS (default 6, at most 8 so this policy, not the
 * queue's max_retries, decides when a delivery is dead). Tests set the base to 0: real queue delays cannot be skipped.
 */
export function retryPolicy(env: Pick<Env, "ALERT_RETRY_BASE_SECONDS" | "ALERT_DELIVERY_MAX_ATTEMPTS">): RetryPolicy {
  const base = Number(env.ALERT_RETRY_BASE_SECONDS ?? 30);
  const max = Number(env.ALERT_DELIVERY_MAX_ATTEMPTS ?? 6);
  return {
    baseSeconds: Number.isFinite(base) && base >= 0 ? base : 30,
    maxAttempts: Number.isInteger(max) ? Math.min(Math.max(max, 1), 8) : 6,
  };
}

/** Seconds before attempt `attempt + 1`: base × 2^(attempt − 1), at least what Retry-After asked, at most 12 h. */
export function backoffSeconds(policy: RetryPolicy, attempt: number, retryAfterMs?: number): number {
  const exponential = policy.baseSeconds * 2 ** Math.max(0, attempt - 1);
  const asked = retryAfterMs !== undefined ? Math.ceil(retryAfterMs / 1000) : 0;
  return Math.min(Math.max(exponential, asked), MAX_DELAY_SECONDS);
}

export type DeliverResult = { done: true } | { done: false; retryAfterSeconds: number };

const channelLabel = (c: { name: string; kind: string }) => `${c.name} (${c.kind === "slack" ? "Slack" : c.kind === "email" ? "e-mail" : "webhook"})`;

type Target = { skipped: string } | { label: string; send: () => Promise<SendResult> };

/** Where a delivery goes: an alert channel (skipped when disabled or deleted), or a product's e-mail subscriber. */
async function targetOf(env: Env, ctx: TenantCtx, d: AlertDelivery, now: number): Promise<Target> {
  if (isSubscriberDelivery(d)) {
    const product = d.message.recipient.product?.title ?? "a product";
    return { label: `a status-page subscriber of ${product} (e-mail)`, send: () => sendToSubscriber(env, ctx, d, now) };
  }
  const channel = await getChannel(ctx, d.channelId);
  if (!channel?.enabled)
    return {
      skipped: channel ? `channel ${channel.name} is disabled${channel.disabledReason ? `: ${channel.disabledReason}` : ""}` : "the channel was deleted",
    };
  return { label: channelLabel(channel), send: () => sendToChannel(env, ctx, channel, d.message, d.id, now) };
}

export async function deliver(env: Env, ctx: TenantCtx, deliveryId: string, now: number): Promise<DeliverResult> {
  const policy = retryPolicy(env);
  const claimed = await claimDelivery(ctx, deliveryId, now, LEASE_MS);
  if (!claimed) {
    // Someone holds it: come back when their lease ends, in case they crashed. Otherwise it is finished.
    const current = await getDelivery(ctx, deliveryId);
    if (current?.status === "sending" && current.leaseUntil && current.leaseUntil > now)
      return { done: false, retryAfterSeconds: Math.ceil((current.leaseUntil - now) / 1000) };
    return { done: true };
  }
  const target = await targetOf(env, ctx, claimed, now);
  if ("skipped" in target) {
    await markSkipped(ctx, claimed, now, target.skipped);
    await addSystemEvent(ctx, claimed.alertId, now, "delivery_failed", `Not sent: ${target.skipped}`, { delivery_id: claimed.id });
    return { done: true };
  }
  const { label } = target;
  const result = await target.send();
  switch (result.outcome) {
    case "sent":
      await markSent(ctx, claimed, now, result.status, `Notified ${label}${claimed.attempts > 1 ? ` on attempt ${claimed.attempts}` : ""}`);
      return { done: true };
    case "skip":
      await markSkipped(ctx, claimed, now, result.error);
      await addSystemEvent(ctx, claimed.alertId, now, "delivery_failed", `Not sent to ${label}: ${result.error}`, { delivery_id: claimed.id });
      return { done: true };
    case "fail":
      await markDead(ctx, claimed, now, result.status, result.error, `Could not notify ${label}: ${result.error}`);
      if (result.disable) await disableChannel(ctx, claimed.channelId, result.disable, now);
      return { done: true };
    case "retry": {
      if (claimed.attempts >= policy.maxAttempts) {
        await markDead(ctx, claimed, now, result.status, result.error, `Gave up notifying ${label} after ${claimed.attempts} attempts: ${result.error}`);
        return { done: true };
      }
      const delay = backoffSeconds(policy, claimed.attempts, result.retryAfterMs);
      await markRetrying(ctx, claimed, now, now + delay * 1000, result.status, result.error);
      return { done: false, retryAfterSeconds: delay };
    }
    default: {
      const never: never = result;
      throw new Error(`unknown send outcome ${JSON.stringify(never)}`);
    }
  }
}
