import type { TenantCtx } from "../db/client";
import { impactsOf, type Alert } from "../db/repo/alerting/alerts";
import { markEscalated } from "../db/repo/alerting/alert-writes";
import { tenantRuns } from "../durable/client";
import { unwrap } from "../durable/result";
import type { Env } from "../env";
import type { AlertWatchPayload } from "../queues/notify-messages";
import { queueDeliveries } from "./delivery-queue";
import { deliveryRows, routingAlertOf, rulesAndChannels, teamRefs } from "./delivery-rows";
import { MAX_ESCALATIONS } from "./kinds";
import { routeAlert } from "./routing";

export const escalateWatchKey = (alertId: string) => `alert-escalate:${alertId}`;

/**
 * An escalation timer fired: if the alert is still open and unacknowledged, re-notify the escalation channels of the
 * rules that match it, and arm the next escalation until MAX_ESCALATIONS.
 */
export async function escalate(env: Env, ctx: TenantCtx, alert: Alert, level: number, at: number): Promise<void> {
  if (alert.status !== "open" || alert.escalationLevel >= level) return;
  const [impacts, teams] = await Promise.all([impactsOf(ctx, [alert.id]), teamRefs(ctx)]);
  const escalated: Alert = { ...alert, escalationLevel: level };
  const routing = routingAlertOf(alert, impacts);
  const { rules, channels } = await rulesAndChannels(ctx, routing);
  const routed = routeAlert(routing, rules, channels, at, "escalate");
  const deliveries = await deliveryRows(ctx, escalated, impacts, teams, `escalated:${level}`, "escalated", at, routed.routes);
  const minutes = Math.round((at - alert.firstSeenAt) / 60_000);
  await markEscalated(
    ctx,
    alert,
    level,
    at,
    `Unacknowledged after ${minutes} min: re-notified ${deliveries.length} channel${deliveries.length === 1 ? "" : "s"}`,
    deliveries,
  );
  if (level < MAX_ESCALATIONS && routed.escalateAfterMs !== null) {
    unwrap(
      await tenantRuns(env, ctx.tenantId).setWatch(ctx.tenantId, escalateWatchKey(alert.id), at + routed.escalateAfterMs, {
        kind: "escalate",
        alertId: alert.id,
        level: level + 1,
      } satisfies AlertWatchPayload),
    );
  }
  await queueDeliveries(env, ctx.tenantId, deliveries, at);
}

/** Acknowledging or resolving stops re-notification. */
export async function stopEscalation(env: Env, tenantId: string, alertId: string): Promise<void> {
  unwrap(await tenantRuns(env, tenantId).clearWatch(tenantId, escalateWatchKey(alertId)));
}
