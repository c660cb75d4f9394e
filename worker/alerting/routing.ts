import { atLeast, type AlertKind, type AlertSeverity } from "./kinds";
import { quietUntil, type QuietHours } from "./quiet-hours";
import type { RecipientRole } from "./snapshot";

/**
 * Who hears about an alert and through which channels. Pure: the caller loads the rules and channels of the teams
 * involved. The teams are the owner of the failing thing, the owners of the data products it makes stale, and teams
 * the pipeline spec names; each team's own rules pick its channels.
 */

export interface RoutingRule {
  id: string;
  teamId: string;
  enabled: boolean;
  kinds: AlertKind[];
  minSeverity: AlertSeverity;
  pipelines: string[];
  products: string[];
  tags: string[];
  channelIds: string[];
  quietHours: QuietHours | null;
  escalateAfterMs: number | null;
  escalateChannelIds: string[];
}

export interface RoutingChannel {
  id: string;
  teamId: string;
  enabled: boolean;
}

export interface RoutingAlert {
  kind: AlertKind;
  severity: AlertSeverity;
  pipelineName: string | null;
  /** Impacted products plus those the subject itself feeds; product filters match any of them. */
  products: string[];
  tags: string[];
  ownerTeamId: string | null;
  impacts: Array<{ product: string; ownerTeamId: string | null }>;
  namedTeamIds: string[];
  namedChannelIds: string[];
}

export interface Recipient {
  teamId: string;
  role: RecipientRole;
}

export interface Route {
  channelId: string;
  teamId: string;
  role: RecipientRole;
  /** Rules that chose this channel; "default" when the team has no rules, "named" for a spec's channel:<name>. */
  via: string[];
  /** Held by quiet hours until then; null to send now. */
  notBefore: number | null;
}

/** The owner first, then downstream owners, then named teams; a team appears once, with its first role. */
export function recipientsOf(alert: RoutingAlert): Recipient[] {
  const out: Recipient[] = [];
  const add = (teamId: string | null, role: RecipientRole) => {
    if (teamId && !out.some((r) => r.teamId === teamId)) out.push({ teamId, role });
  };
  add(alert.ownerTeamId, "owner");
  for (const i of alert.impacts) add(i.ownerTeamId, "downstream");
  for (const t of alert.namedTeamIds) add(t, "named");
  return out;
}

const matchesList = (filter: string[], values: Array<string | null>) => filter.length === 0 || values.some((v) => v !== null && filter.includes(v));

export function ruleMatches(rule: RoutingRule, alert: RoutingAlert): boolean {
  return (
    rule.enabled &&
    (rule.kinds.length === 0 || rule.kinds.includes(alert.kind)) &&
    atLeast(alert.severity, rule.minSeverity) &&
    matchesList(rule.pipelines, [alert.pipelineName]) &&
    matchesList(rule.products, alert.products) &&
    matchesList(rule.tags, alert.tags)
  );
}

/** A team without any rule still hears about what matters: warnings and worse, on every enabled channel. */
export const DEFAULT_MIN_SEVERITY: AlertSeverity = "warning";

export interface RoutingResult {
  routes: Route[];
  /** The shortest escalation delay among matching rules, or null when none escalates. */
  escalateAfterMs: number | null;
}

/**
 * Channels for a transition. `notify` (opened): matching rules' channels, or every enabled channel of a team with no
 * rules, plus named channels. `escalate`: only rules with an escalation, to their escalation channels. Non-critical
 * notifications are held until a matching rule's quiet hours end; a channel reached by several rules goes out at the
 * earliest time any of them allows.
 */
export function routeAlert(alert: RoutingAlert, rules: RoutingRule[], channels: RoutingChannel[], at: number, mode: "notify" | "escalate"): RoutingResult {
  const enabled = new Map(channels.filter((c) => c.enabled).map((c) => [c.id, c]));
  const routes = new Map<string, Route>();
  let escalateAfterMs: number | null = null;

  const add = (channelId: string, teamId: string, role: RecipientRole, via: string, notBefore: number | null) => {
    const channel = enabled.get(channelId);
    // A rule may only use its own team's channels; the API enforces it, routing does not trust it.
    if (!channel || channel.teamId !== teamId) return;
    const existing = routes.get(channelId);
    if (!existing) {
      routes.set(channelId, { channelId, teamId, role, via: [via], notBefore });
      return;
    }
    existing.via.push(via);
    existing.notBefore = existing.notBefore === null || notBefore === null ? null : Math.min(existing.notBefore, notBefore);
  };

  for (const recipient of recipientsOf(alert)) {
    const teamRules = rules.filter((r) => r.teamId === recipient.teamId);
    if (teamRules.length === 0) {
      if (mode === "notify" && atLeast(alert.severity, DEFAULT_MIN_SEVERITY)) {
        for (const c of channels) if (c.teamId === recipient.teamId) add(c.id, recipient.teamId, recipient.role, "default", null);
      }
      continue;
    }
    for (const rule of teamRules) {
      if (!ruleMatches(rule, alert)) continue;
      const held = rule.quietHours && alert.severity !== "critical" ? quietUntil(rule.quietHours, at) : null;
      if (mode === "notify") {
        for (const id of rule.channelIds) add(id, recipient.teamId, recipient.role, rule.id, held);
        if (rule.escalateAfterMs !== null) escalateAfterMs = Math.min(escalateAfterMs ?? Infinity, rule.escalateAfterMs);
      } else if (rule.escalateAfterMs !== null) {
        const targets = rule.escalateChannelIds.length ? rule.escalateChannelIds : rule.channelIds;
        for (const id of targets) add(id, recipient.teamId, recipient.role, rule.id, held);
        escalateAfterMs = Math.min(escalateAfterMs ?? Infinity, rule.escalateAfterMs);
      }
    }
  }
  if (mode === "notify") {
    for (const id of alert.namedChannelIds) {
      const channel = enabled.get(id);
      if (channel) add(id, channel.teamId, recipientsOf(alert).find((r) => r.teamId === channel.teamId)?.role ?? "named", "named", null);
    }
  }
  return { routes: [...routes.values()], escalateAfterMs };
}
