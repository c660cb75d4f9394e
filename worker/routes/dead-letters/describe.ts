import type { z } from "@hono/zod-openapi";
import type { TenantCtx } from "../../db/client";
import { channelsByIds } from "../../db/repo/alerting/channels";
import { deliveriesByIds } from "../../db/repo/alerting/deliveries";
import { getAlert } from "../../db/repo/alerting/alerts";
import { getProduct } from "../../db/repo/products/products";
import { subscriptionById } from "../../db/repo/products/subscriptions";
import type { DeadLetter } from "../../db/repo/platform/dead-letter-view";
import { getRun } from "../../db/repo/runs/runs";
import { isSubscriberDelivery } from "../../status/deliver-subscriber";
import { isoOrNull } from "../shared";
import type { DeadLetterOut } from "./schemas";

/**
 * Where a dead alert delivery was going, in words, and whether that recipient still exists: an alert channel, or an
 * e-mail subscriber of a product's status page (whose delivery carries the subscription's id as its channel id).
 */
async function recipientOf(ctx: TenantCtx, channelId: string, channel: { name: string; kind: string } | undefined) {
  if (!isSubscriberDelivery({ channelId })) return { words: channel ? `${channel.name} (${channel.kind})` : "a deleted channel", exists: !!channel };
  const sub = await subscriptionById(ctx, channelId);
  if (!sub?.email || sub.confirmedAt === null) return { words: "an e-mail subscriber who has since unsubscribed", exists: false };
  const product = await getProduct(ctx, sub.productId);
  return { words: `the e-mail subscriber ${sub.email} of ${product ? `"${product.p.name}"` : "a deleted product"}'s status page`, exists: !!product };
}

/** Dead letters in words: which delivery of which alert to which channel, or which task operation of which run. */
export async function describeDeadLetters(ctx: TenantCtx, entries: DeadLetter[]): Promise<Array<z.input<typeof DeadLetterOut>>> {
  const deliveryIds = entries.filter((e) => e.body.type === "alert.deliver").map((e) => String(e.body.deliveryId));
  const deliveries = new Map((await deliveriesByIds(ctx, deliveryIds)).map((d) => [d.id, d]));
  const channels = new Map((await channelsByIds(ctx, [...new Set([...deliveries.values()].map((d) => d.channelId))])).map((c) => [c.id, c]));
  const out: Array<z.input<typeof DeadLetterOut>> = [];
  for (const e of entries) {
    const base = { id: e.id, queue: e.queue, attempts: e.attempts, at: new Date(e.at).toISOString(), redelivered_at: isoOrNull(e.redeliveredAt) };
    if (e.queue === "dispatch") {
      const run = await getRun(ctx, String(e.body.runId));
      out.push({
        ...base,
        message_type: "dispatch",
        team_id: run?.teamId ?? null,
        description: `Could not ${String(e.body.op)} task ${String(e.body.taskKey)} of ${run?.pipelineName ?? "a run"} (attempt ${String(e.body.attempt)}); the task attempt failed. Retry the run from failure to try again.`,
        last_error: null,
        alert: null,
        channel: null,
        run: { id: String(e.body.runId), task: String(e.body.taskKey) },
        redeliverable: false,
      });
      continue;
    }
    if (e.body.type === "alert.deliver") {
      const d = deliveries.get(String(e.body.deliveryId));
      const channel = d ? channels.get(d.channelId) : undefined;
      const alert = d ? await getAlert(ctx, d.alertId) : null;
      const recipient = d ? await recipientOf(ctx, d.channelId, channel) : { words: "a deleted channel", exists: false };
      out.push({
        ...base,
        message_type: "alert.deliver",
        team_id: d?.teamId ?? null,
        description: `Notification "${d?.transition ?? "?"}" of ${alert ? `"${alert.title}"` : "a deleted alert"} to ${recipient.words}`,
        last_error: d?.lastError ?? null,
        alert: alert ? { id: alert.id, title: alert.title } : null,
        channel: channel ? { id: channel.id, name: channel.name, kind: channel.kind } : null,
        run: null,
        redeliverable: !e.redeliveredAt && d?.status === "dead" && recipient.exists,
      });
      continue;
    }
    if (e.queue === "webhooks") {
      out.push({
        ...base,
        message_type: "webhook",
        team_id: typeof e.body.teamId === "string" ? e.body.teamId : null,
        description: `A ${String(e.body.connector ?? "tool")} webhook (${String(e.body.eventType ?? "event")}), stored, that could not be handed to its run`,
        last_error: null,
        alert: null,
        channel: null,
        run: null,
        redeliverable: !e.redeliveredAt,
      });
      continue;
    }
    out.push({
      ...base,
      message_type: String(e.body.type ?? "unknown"),
      team_id: typeof e.body.teamId === "string" ? e.body.teamId : null,
      description: `A ${String(e.body.type ?? "notify")} signal that alerting could not process`,
      last_error: null,
      alert: null,
      channel: null,
      run: typeof e.body.runId === "string" ? { id: e.body.runId, task: String(e.body.taskKey ?? "") } : null,
      redeliverable: !e.redeliveredAt,
    });
  }
  return out;
}
