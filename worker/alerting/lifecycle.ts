import type { TenantCtx } from "../db/client";
import { channelsByIds } from "../db/repo/alerting/channels";
import { notifiedChannelsOf } from "../db/repo/alerting/deliveries";
import { appliedSignal, impactsOf, SYSTEM_ACTOR, unresolvedByKeys, unresolvedForPipeline, type Alert, type AlertActor } from "../db/repo/alerting/alerts";
import { markResolved } from "../db/repo/alerting/alert-writes";
import type { AuditSource } from "../db/repo/platform/audit";
import { tenantRuns } from "../durable/client";
import { unwrap } from "../durable/result";
import type { Env } from "../env";
import { queueDeliveries, requeuePending } from "./delivery-queue";
import { subscriberRoutes } from "../status/notify";
import { deliveryRows, teamRefs, uniqueRoutes } from "./delivery-rows";
import { escalateWatchKey } from "./escalation";
import type { Intent, ResolveIntent } from "./intents";
import { raise } from "./raise";
import type { RecipientRole } from "./snapshot";

/**
 * Applies intents to alerts in D1 and turns transitions into deliveries. Every write is idempotent: a signal is
 * applied once (alert_signals), one transition yields one delivery per channel (derived ids), and at most one
 * unresolved alert exists per dedupe key (open_key). Deliveries are queued after the write that created them; a
 * redelivered signal re-queues whatever of its alert is still pending. Raising is in ./raise.ts, escalation in
 * ./escalation.ts, the delivery rows and their queueing in ./delivery-rows.ts and ./delivery-queue.ts.
 */

/**
 * Resolves one alert: the resolution goes to every channel that heard about it (once each), the escalation timer
 * stops, and the dedupe key is free for the next alert. Used by recovery signals and by people.
 */
export async function resolveAlert(
  env: Env,
  ctx: TenantCtx,
  alert: Alert,
  input: { at: number; actor: AlertActor; reason: string; signalKey: string | null; audit?: AuditSource },
): Promise<void> {
  const resolved: Alert = {
    ...alert,
    status: "resolved",
    openKey: null,
    resolvedAt: input.at,
    resolvedBy: input.actor.label,
    resolution: input.reason,
    updatedAt: input.at,
  };
  const [impacts, notified, teams] = await Promise.all([impactsOf(ctx, [alert.id]), notifiedChannelsOf(ctx, alert.id), teamRefs(ctx)]);
  const enabled = new Set(
    (
      await channelsByIds(
        ctx,
        notified.map((n) => n.channelId),
      )
    )
      .filter((c) => c.enabled)
      .map((c) => c.id),
  );
  const routes = notified
    .filter((n) => enabled.has(n.channelId))
    .map((n) => ({ channelId: n.channelId, teamId: n.teamId, role: n.snapshotRole as RecipientRole, notBefore: null }));
  // The products' current subscribers hear that it is over, also those who subscribed after it opened.
  const allRoutes = uniqueRoutes([...routes, ...(await subscriberRoutes(ctx, alert, impacts))]);
  const deliveries = await deliveryRows(ctx, resolved, impacts, teams, "resolved", "resolved", input.at, allRoutes);
  await markResolved(ctx, alert, { at: input.at, actor: input.actor, reason: input.reason, deliveries, signalKey: input.signalKey, audit: input.audit });
  unwrap(await tenantRuns(env, ctx.tenantId).clearWatch(ctx.tenantId, escalateWatchKey(alert.id)));
  await queueDeliveries(env, ctx.tenantId, deliveries, input.at);
}

async function resolveMatching(env: Env, ctx: TenantCtx, intent: ResolveIntent): Promise<void> {
  const applied = await appliedSignal(ctx, intent.signalKey);
  if (applied) {
    if (applied.alertId) await requeuePending(env, ctx, applied.alertId, intent.at);
    return;
  }
  const matches =
    "pipelineId" in intent.match
      ? await unresolvedForPipeline(ctx, intent.match.pipelineId, intent.match.kinds)
      : await unresolvedByKeys(ctx, intent.match.dedupeKeys);
  // The signal is marked with the last alert: if resolving stops halfway, the redelivered signal finishes the rest.
  for (const [i, alert] of matches.entries()) {
    await resolveAlert(env, ctx, alert, {
      at: intent.at,
      actor: SYSTEM_ACTOR,
      reason: intent.reason,
      signalKey: i === matches.length - 1 ? intent.signalKey : null,
    });
  }
}

export async function applyIntent(env: Env, ctx: TenantCtx, intent: Intent): Promise<void> {
  if (intent.action === "raise") await raise(env, ctx, intent);
  else await resolveMatching(env, ctx, intent);
}
