import type { TenantCtx } from "../db/client";
import { channelsByIds, listChannels, type AlertChannel } from "../db/repo/alerting/channels";
import { listRules } from "../db/repo/alerting/rules";
import type { Alert, AlertImpact, NewDelivery } from "../db/repo/alerting/alerts";
import { listTeams } from "../db/repo/accounts/teams";
import { derivedId } from "../lib/ids";
import type { RoutingAlert, RoutingRule } from "./routing";
import type { DeliverySnapshot, RecipientRole, TeamRef, TransitionKind } from "./snapshot";

/** What an alert transition sends: the routing view of an alert, the rules and channels it may reach, and one delivery row per channel. */

const teamRef = (teams: Map<string, TeamRef>, id: string | null): TeamRef | null => (id ? (teams.get(id) ?? { id, slug: id, name: id }) : null);

export async function teamRefs(ctx: TenantCtx): Promise<Map<string, TeamRef>> {
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
  recipient: { teamId: string; role: RecipientRole; product?: { id: string; name: string; title: string } },
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
    recipient: { team: teamRef(teams, recipient.teamId)!, role: recipient.role, ...(recipient.product ? { product: recipient.product } : {}) },
  };
}

/** One channel a transition goes to; `channelId` is an alert channel's id or an e-mail subscription's (`sub_…`). */
export interface DeliveryRoute {
  channelId: string;
  teamId: string;
  role: RecipientRole;
  notBefore: number | null;
  product?: { id: string; name: string; title: string };
}

/** Routes with one entry per channel: the first wins, so a team's own route keeps its role and quiet hours. */
export function uniqueRoutes(routes: DeliveryRoute[]): DeliveryRoute[] {
  const seen = new Set<string>();
  return routes.filter((r) => !seen.has(r.channelId) && seen.add(r.channelId));
}

export async function deliveryRows(
  ctx: TenantCtx,
  alert: Alert,
  impacts: Array<Omit<AlertImpact, "tenantId" | "alertId">>,
  teams: Map<string, TeamRef>,
  transition: string,
  kind: TransitionKind,
  at: number,
  routes: DeliveryRoute[],
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

export async function rulesAndChannels(ctx: TenantCtx, routing: RoutingAlert) {
  const teamIds = [...new Set([routing.ownerTeamId, ...routing.impacts.map((i) => i.ownerTeamId), ...routing.namedTeamIds].filter((t): t is string => !!t))];
  const [rules, channels, named] = await Promise.all([listRules(ctx, teamIds), listChannels(ctx, teamIds), channelsByIds(ctx, routing.namedChannelIds)]);
  const all = new Map<string, AlertChannel>([...channels, ...named].map((c) => [c.id, c]));
  return { rules: rules as RoutingRule[], channels: [...all.values()] };
}
