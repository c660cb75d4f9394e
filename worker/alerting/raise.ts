import type { TenantCtx } from "../db/client";
import { getChannelByName } from "../db/repo/alerting/channels";
import { appliedSignal, findLatestWithKey, findUnresolved, succeededAfter, type Alert } from "../db/repo/alerting/alerts";
import { insertOpenAlert, recordLateSignal, recordOccurrence } from "../db/repo/alerting/alert-writes";
import { datasetOwnership, pipelineFacts, type PipelineFacts } from "../db/repo/pipelines/ownership";
import { isUniqueViolation } from "../db/unique";
import { tenantRuns } from "../durable/client";
import { unwrap } from "../durable/result";
import type { Env } from "../env";
import { newId } from "../lib/ids";
import type { AlertWatchPayload } from "../queues/notify-messages";
import { requeuePending, queueDeliveries } from "./delivery-queue";
import { subscriberRoutes } from "../status/notify";
import { deliveryRows, routingAlertOf, rulesAndChannels, teamRefs, uniqueRoutes } from "./delivery-rows";
import { escalateWatchKey } from "./escalation";
import { impactOf } from "./impact";
import { RESOLVED_BY_SUCCESS, type RaiseIntent } from "./intents";
import { groupingOf, specEventKinds } from "./kinds";
import { routeAlert } from "./routing";

/** Raising an alert: join an open one (or a recovery already seen), else open a new alert and send its first deliveries. */

/** Two consumers opened the same alert at once; the message is retried and then joins the winner's alert. */
export class ConcurrentAlert extends Error {}

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

export async function raise(env: Env, ctx: TenantCtx, intent: RaiseIntent): Promise<void> {
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
  // The product's subscribers hear of it too; a channel a team already routes it to is sent it once, as the team's.
  const routes = uniqueRoutes([...routed.routes, ...(await subscriberRoutes(ctx, alert, impacts))]);
  const deliveries = await deliveryRows(ctx, alert, impacts, teams, "opened", "opened", intent.at, routes);
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
