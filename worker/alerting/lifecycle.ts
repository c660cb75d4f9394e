import type { TenantCtx } from "../db/client";
import { channelsByIds, getChannelByName, listChannels, type AlertChannel } from "../db/repo/alerting/channels";
import { notifiedChannelsOf, unsentDeliveriesOf } from "../db/repo/alerting/deliveries";
import { listRules } from "../db/repo/alerting/rules";
import { appliedSignal, findLatestWithKey, findUnresolved, impactsOf, succeededAfter, SYSTEM_ACTOR, unresolvedByKeys, unresolvedForPipeline, type Alert, type AlertActor, type AlertImpact, type NewDelivery } from "../db/repo/alerting/alerts";
import { insertOpenAlert, markEscalated, markResolved, recordOccurrence, recordLateSignal } from "../db/repo/alerting/alert-writes";
import type { AuditSource } from "../db/repo/platform/audit";
import { datasetOwnership, pipelineFacts, type PipelineFacts } from "../db/repo/pipelines/ownership";
import { listTeams } from "../db/repo/accounts/teams";
import { isUniqueViolation } from "../db/unique";
import { tenantRuns } from "../durable/client";
import { unwrap } from "../durable/result";
import type { Env } from "../env";
import { derivedId, newId } from "../lib/ids";
import type { AlertDeliveryMessage, AlertWatchPayload } from "../queues/notify-messages";
import { impactOf } from "./impact";
import { RESOLVED_BY_SUCCESS, type Intent, type RaiseIntent, type ResolveIntent } from "./intents";
import { groupingOf, MAX_ESCALATIONS, specEventKinds } from "./kinds";
import { routeAlert, type RoutingAlert, type RoutingRule } from "./routing";
import type { DeliverySnapshot, RecipientRole, TeamRef, TransitionKind } from "./snapshot";

/**
 * Applies intents to alerts in D1 and turns transitions into deliveries. Every write is idempotent: a signal is
 * applied once (alert_signals), one transition yields one delivery per channel (derived ids), and at most one
 * unresolved alert exists per dedupe key (open_key). Deliveries are queued after the write that created them; a
 * redelivered signal re-queues whatever of its alert is still pending.
 */

/** Two consumers opened the same alert at once; the message is retried and then joins the winner's alert. */
export class ConcurrentAlert extends Error {}

export const escalateWatchKey = (alertId: string) => `alert-escalate:${alertId}`;
export const deliverWatchKey = (id: string) => `alert-deliver:${id}`;

const teamRef = (teams: Map<string, TeamRef>, id: string | null): TeamRef | null => (id ? (teams.get(id) ?? { id, slug: id, name: id }) : null);

async function teamRefs(ctx: TenantCtx): Promise<Map<string, TeamRef>> {
  return new Map((await listTeams(ctx)).map((t) => [t.id, { id: t.id, slug: t.slug, name: t.name }]));
}

export function routingAlertOf(alert: Alert, impacts: Array<Pick<AlertImpact, "product" | "ownerTeamId">>, fed: string[] = []): RoutingAlert {
  return {
    kind: alert.kind,
    severity: alert.severity,
    pipelineName: alert.pipelineName,
    products: [...new Set([...fed, ...impacts.map((i) => i.product), ...(alert.subjectType === "product" ? [alert.subjectName] : [])])],
    tags: alert.tags,
    ownerTeamId: alert.ownerTeamId,
    impacts: impacts.map((i) => ({ product: i.product, ownerTeamId: i.ownerTeamId })),
    namedTeamIds: alert.namedTeamIds,
    namedChannelIds: alert.namedChannelIds,
  };
}

function snapshotOf(
  alert: Alert,
  impacts: Array<Omit<AlertImpact, "tenantId" | "alertId">>,
  teams: Map<string, TeamRef>,
  transition: TransitionKind,
  at: number,
  recipient: { teamId: string; role: RecipientRole },
): DeliverySnapshot {
  return {
    transition,
    escalationLevel: alert.escalationLevel,
    at,
    alert: {
      id: alert.id,
      kind: alert.kind,
      severity: alert.severity,
      status: alert.status,
      title: alert.title,
      summary: alert.summary,
      dedupeKey: alert.dedupeKey,
      occurrences: alert.occurrences,
      firstSeenAt: alert.firstSeenAt,
      lastSeenAt: alert.lastSeenAt,
      resolvedAt: alert.resolvedAt,
      resolvedBy: alert.resolvedBy,
      resolution: alert.resolution,
      subject: { type: alert.subjectType, id: alert.subjectId, name: alert.subjectName },
      ownerTeam: teamRef(teams, alert.ownerTeamId),
      pipeline: alert.pipelineId && alert.pipelineName ? { id: alert.pipelineId, name: alert.pipelineName } : null,
      runId: alert.runId,
      details: alert.details,
      impacts: impacts.map((i) => ({ product: i.product, ownerTeam: teamRef(teams, i.ownerTeamId), statement: i.statement })),
    },
    recipient: { team: teamRef(teams, recipient.teamId)!, role: recipient.role },
  };
}

async function deliveryRows(
  ctx: TenantCtx,
  alert: Alert,
  impacts: Array<Omit<AlertImpact, "tenantId" | "alertId">>,
  teams: Map<string, TeamRef>,
  transition: string,
  kind: TransitionKind,
  at: number,
  routes: Array<{ channelId: string; teamId: string; role: RecipientRole; notBefore: number | null }>,
): Promise<NewDelivery[]> {
  return Promise.all(
    routes.map(async (r) => ({
      tenantId: ctx.tenantId,
      // Derived from (alert, transition, channel): however often a signal or an escalation timer repeats, one
      // transition creates one delivery per channel. It is also the Standard Webhooks `webhook-id` receivers dedupe on.
      id: await derivedId("delivery", [ctx.tenantId, alert.id, transition, r.channelId]),
      alertId: alert.id,
      channelId: r.channelId,
      teamId: r.teamId,
      transition,
      status: "pending" as const,
      attempts: 0,
      notBefore: r.notBefore,
      message: snapshotOf(alert, impacts, teams, kind, at, r),
      createdAt: at,
      updatedAt: at,
    })),
  );
}

async function rulesAndChannels(ctx: TenantCtx, routing: RoutingAlert) {
  const teamIds = [...new Set([routing.ownerTeamId, ...routing.impacts.map((i) => i.ownerTeamId), ...routing.namedTeamIds].filter((t): t is string => !!t))];
  const [rules, channels, named] = await Promise.all([listRules(ctx, teamIds), listChannels(ctx, teamIds), channelsByIds(ctx, routing.namedChannelIds)]);
  const all = new Map<string, AlertChannel>([...channels, ...named].map((c) => [c.id, c]));
  return { rules: rules as RoutingRule[], channels: [...all.values()] };
}

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

async function requeuePending(env: Env, ctx: TenantCtx, alertId: string, now: number) {
  await queueDeliveries(env, ctx.tenantId, await unsentDeliveriesOf(ctx, alertId), now);
}

/** Teams and channels a pipeline spec's `alerts.to` names, when its `alerts.on` covers this kind. */
async function namedTargets(ctx: TenantCtx, intent: RaiseIntent, facts: PipelineFacts | undefined, teamBySlug: Map<string, string>) {
  const out = { teamIds: [] as string[], channelIds: [] as string[] };
  const alerts = facts?.alerts;
  if (!facts || !alerts?.on.some((event) => specEventKinds[event] === intent.kind)) return out;
  for (const target of alerts.to) {
    if (target.startsWith("team:")) {
      const id = teamBySlug.get(target.slice(5));
      if (id) out.teamIds.push(id);
    } else if (target.startsWith("channel:")) {
      const channel = await getChannelByName(ctx, facts.teamId, target.slice(8));
      if (channel) out.channelIds.push(channel.id);
    }
  }
  return out;
}

/**
 * A repeated, late or already-alerted event changes an existing alert (or nothing) and notifies nobody.
 * Returns true when the intent was handled that way.
 */
async function joinExisting(env: Env, ctx: TenantCtx, intent: RaiseIntent): Promise<boolean> {
  const applied = await appliedSignal(ctx, intent.signalKey);
  if (applied) {
    if (applied.alertId) await requeuePending(env, ctx, applied.alertId, intent.at);
    return true;
  }
  const open = await findUnresolved(ctx, intent.dedupeKey);
  if (open) {
    await recordOccurrence(ctx, open, {
      at: intent.at,
      runId: intent.runId,
      summary: intent.summary,
      details: intent.details,
      signalKey: intent.signalKey,
      message: intent.summary,
    });
    return true;
  }
  if (intent.pipeline && RESOLVED_BY_SUCCESS.includes(intent.kind) && (await succeededAfter(ctx, intent.pipeline.id, intent.at))) {
    // The pipeline already recovered (this signal arrived late): nothing to alert about any more.
    await recordLateSignal(ctx, intent.signalKey, intent.at);
    return true;
  }
  if (groupingOf(intent.kind) === "once") {
    const earlier = await findLatestWithKey(ctx, intent.dedupeKey);
    if (earlier) {
      // Counted on the alert that already went out (even if resolved): nobody is told twice.
      await recordOccurrence(ctx, earlier, {
        at: intent.at,
        runId: intent.runId,
        summary: earlier.summary,
        details: earlier.details,
        signalKey: intent.signalKey,
        message: `${intent.summary} Already alerted for this key; not notified again.`,
      });
      return true;
    }
  }
  return false;
}

function newAlertRow(ctx: TenantCtx, intent: RaiseIntent, fields: Pick<Alert, "ownerTeamId" | "tags" | "namedTeamIds" | "namedChannelIds" | "details">): Alert {
  return {
    tenantId: ctx.tenantId,
    id: newId("alert"),
    kind: intent.kind,
    severity: intent.severity,
    status: "open",
    dedupeKey: intent.dedupeKey,
    openKey: intent.dedupeKey,
    title: intent.title,
    summary: intent.summary,
    subjectType: intent.subject.type,
    subjectId: intent.subject.id,
    subjectName: intent.subject.name,
    pipelineId: intent.pipeline?.id ?? null,
    pipelineName: intent.pipeline?.name ?? null,
    runId: intent.runId,
    occurrences: 1,
    firstSeenAt: intent.at,
    lastSeenAt: intent.at,
    acknowledgedAt: null,
    acknowledgedBy: null,
    assigneeUserId: null,
    resolvedAt: null,
    resolvedBy: null,
    resolution: null,
    escalationLevel: 0,
    updatedAt: intent.at,
    ...fields,
  };
}

/** Who owns the subject and its tags: the intent says, or the dataset does (its owner, else its writer's team). */
async function ownerOf(ctx: TenantCtx, intent: RaiseIntent): Promise<{ ownerTeamId: string | null; tags: string[] }> {
  if ("teamId" in intent.owner) return { ownerTeamId: intent.owner.teamId, tags: [] };
  const ds = (await datasetOwnership(ctx, [intent.owner.datasetId])).get(intent.owner.datasetId);
  return { ownerTeamId: ds?.ownerTeamId ?? null, tags: ds?.tags ?? [] };
}

async function raise(env: Env, ctx: TenantCtx, intent: RaiseIntent): Promise<void> {
  if (await joinExisting(env, ctx, intent)) return;

  const [facts, teams, owner] = await Promise.all([pipelineFacts(ctx), teamRefs(ctx), ownerOf(ctx, intent)]);
  const pipeline = intent.pipeline ? facts.find((p) => p.id === intent.pipeline!.id) : undefined;
  const impact = intent.impactFrom
    ? await impactOf(
        ctx,
        "datasetId" in intent.impactFrom ? { datasetId: intent.impactFrom.datasetId } : { pipelineName: intent.impactFrom.pipelineName },
        facts,
        intent.cause,
        intent.kind === "sla_missed" || intent.kind === "freshness_breached" ? "now" : "future",
      )
    : null;
  const named = await namedTargets(ctx, intent, pipeline, new Map([...teams.values()].map((t) => [t.slug, t.id])));
  const alert = newAlertRow(ctx, intent, {
    ownerTeamId: owner.ownerTeamId,
    tags: [...new Set([...owner.tags, ...(impact?.downstreamDatasets.flatMap((d) => d.tags) ?? [])])].slice(0, 50),
    namedTeamIds: named.teamIds,
    namedChannelIds: named.channelIds,
    details: { ...intent.details, ...(impact?.downstreamPipelines.length ? { downstream_pipelines: impact.downstreamPipelines } : {}) },
  });
  const impacts = (impact?.impacts ?? []).map((i) => ({ product: i.product, ownerTeamId: i.ownerTeamId, statement: i.statement }));
  const routing = routingAlertOf(alert, impacts, pipeline?.products ?? []);
  const { rules, channels } = await rulesAndChannels(ctx, routing);
  const routed = routeAlert(routing, rules, channels, intent.at, "notify");
  const deliveries = await deliveryRows(ctx, alert, impacts, teams, "opened", "opened", intent.at, routed.routes);
  try {
    await insertOpenAlert(ctx, { alert, impacts, deliveries, signalKey: intent.signalKey, message: intent.summary });
  } catch (err) {
    if (isUniqueViolation(err)) throw new ConcurrentAlert(`alert ${intent.dedupeKey} was opened concurrently`);
    throw err;
  }
  if (routed.escalateAfterMs !== null) {
    unwrap(
      await tenantRuns(env, ctx.tenantId).setWatch(ctx.tenantId, escalateWatchKey(alert.id), intent.at + routed.escalateAfterMs, {
        kind: "escalate",
        alertId: alert.id,
        level: 1,
      } satisfies AlertWatchPayload),
    );
  }
  await queueDeliveries(env, ctx.tenantId, deliveries, intent.at);
}

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
  const deliveries = await deliveryRows(ctx, resolved, impacts, teams, "resolved", "resolved", input.at, routes);
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
