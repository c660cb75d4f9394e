import type { TenantCtx } from "../db/client";
import type { Alert, AlertImpact } from "../db/repo/alerting/alerts";
import { addDeliveries } from "../db/repo/alerting/alert-writes";
import { impactsOf } from "../db/repo/alerting/alerts";
import { ownersOfProducts } from "../db/repo/products/products";
import { confirmedSubscriptions } from "../db/repo/products/subscriptions";
import type { Env } from "../env";
import { queueDeliveries } from "../alerting/delivery-queue";
import { deliveryRows, teamRefs, type DeliveryRoute } from "../alerting/delivery-rows";

/**
 * A product's subscribers hear about the incidents on it — the alerts its health counts: about the product itself, or
 * with an impact naming it — when one opens, gets a note, or resolves. Their deliveries are ordinary alert
 * deliveries (same queue, retries, dead letters), with ids derived from (alert, transition, channel): a replayed
 * event or a second note route call finds the row already there and sends nothing twice.
 */

/** The confirmed subscribers of the products an alert concerns, one route each (an e-mail's channel is its subscription id). */
export async function subscriberRoutes(ctx: TenantCtx, alert: Alert, impacts: Array<Pick<AlertImpact, "product">>): Promise<DeliveryRoute[]> {
  const keys = [...impacts.map((i) => i.product), ...(alert.subjectType === "product" ? [alert.subjectId, alert.subjectName] : [])];
  if (!keys.length) return [];
  const products = await ownersOfProducts(ctx, keys);
  const subs = await confirmedSubscriptions(
    ctx,
    products.map((p) => p.productId),
  );
  const byId = new Map(products.map((p) => [p.productId, p]));
  return subs.flatMap((s) => {
    const p = byId.get(s.productId)!;
    const channelId = s.kind === "email" ? s.id : s.channelId;
    if (!channelId) return [];
    return [
      {
        channelId,
        teamId: p.ownerTeamId,
        role: "subscriber" as const,
        notBefore: null,
        product: { id: p.productId, name: p.productName, title: p.productTitle },
      },
    ];
  });
}

/** A note on an alert goes to the subscribers of its products (teams read notes in Tutti; they are not re-sent to them). */
export async function notifyNote(env: Env, ctx: TenantCtx, alert: Alert, note: { eventId: string; at: number; text: string }): Promise<void> {
  const impacts = await impactsOf(ctx, [alert.id]);
  const routes = await subscriberRoutes(ctx, alert, impacts);
  if (!routes.length) return;
  const rows = await deliveryRows(ctx, alert, impacts, await teamRefs(ctx), `note:${note.eventId}`, "noted", note.at, routes);
  const deliveries = rows.map((d) => ({ ...d, message: { ...d.message, note: { at: note.at, text: note.text } } }));
  await addDeliveries(ctx, deliveries);
  await queueDeliveries(env, ctx.tenantId, deliveries, note.at);
}
