import type { TenantCtx } from "../db/client";
import { unsentDeliveriesOf } from "../db/repo/alerting/deliveries";
import type { NewDelivery } from "../db/repo/alerting/alerts";
import { tenantRuns } from "../durable/client";
import { unwrap } from "../durable/result";
import type { Env } from "../env";
import type { AlertDeliveryMessage, AlertWatchPayload } from "../queues/notify-messages";

export const deliverWatchKey = (id: string) => `alert-deliver:${id}`;

/** Sends deliveries due now to the queue and holds the others (quiet hours) in a Durable Object watch. */
export async function queueDeliveries(env: Env, tenantId: string, deliveries: Array<Pick<NewDelivery, "id" | "notBefore">>, now: number): Promise<void> {
  const due = deliveries.filter((d) => !d.notBefore || d.notBefore <= now);
  const held = deliveries.filter((d) => d.notBefore && d.notBefore > now);
  if (due.length) {
    await env.NOTIFY.sendBatch(due.map((d) => ({ body: { type: "alert.deliver", tenantId, deliveryId: d.id } satisfies AlertDeliveryMessage })));
  }
  for (const d of held) {
    unwrap(
      await tenantRuns(env, tenantId).setWatch(tenantId, deliverWatchKey(d.id), d.notBefore!, {
        kind: "deliver",
        deliveryId: d.id,
      } satisfies AlertWatchPayload),
    );
  }
}

export async function requeuePending(env: Env, ctx: TenantCtx, alertId: string, now: number) {
  await queueDeliveries(env, ctx.tenantId, await unsentDeliveriesOf(ctx, alertId), now);
}
