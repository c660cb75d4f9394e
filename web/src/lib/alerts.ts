/**
 * Alerts, channels, rules, dead letters and ownership: the dashboard's client for them, through the one API client
 * (`request` in api.ts), with the shapes documented at /api/v1/openapi.json.
 */
import { request } from "./api";
import type { Page } from "./types";
import {
  alertKinds,
  alertSeverities,
  alertStatuses,
  kindLabels,
  type AlertKind,
  type AlertSeverity,
  type AlertStatus,
  type ChannelKind,
} from "../../../worker/alerting/kinds";

// The same `as const` tuples the API validates with, so filters cannot offer a value the API refuses.
export { alertKinds, alertSeverities, alertStatuses, kindLabels };
export type { AlertKind, AlertSeverity, AlertStatus, ChannelKind };

export interface TeamRef {
  id: string;
  slug: string;
  name: string;
}

export interface Alert {
  id: string;
  kind: AlertKind;
  severity: AlertSeverity;
  status: AlertStatus;
  title: string;
  summary: string;
  dedupe_key: string;
  subject: { type: string; id: string; name: string };
  owner_team: TeamRef | null;
  pipeline: { id: string; name: string } | null;
  run_id: string | null;
  occurrences: number;
  first_seen_at: string;
  last_seen_at: string;
  acknowledged_at: string | null;
  acknowledged_by: string | null;
  assignee: { id: string; name: string; email: string } | null;
  resolved_at: string | null;
  resolved_by: string | null;
  resolution: string | null;
  escalation_level: number;
  tags: string[];
  impacted_products: Array<{ name: string; owner_team: TeamRef | null; statement: string }>;
}

export interface AlertEvent {
  id: string;
  at: string;
  type: string;
  actor: { type: string; id: string; label: string };
  message: string;
  details: Record<string, unknown>;
}

export interface AlertDelivery {
  id: string;
  channel: { id: string; name: string; kind: ChannelKind } | null;
  team_id: string;
  transition: string;
  status: "pending" | "sending" | "retrying" | "sent" | "dead" | "skipped";
  attempts: number;
  not_before: string | null;
  last_error: string | null;
  last_status_code: number | null;
  sent_at: string | null;
  created_at: string;
}

export interface AlertDetail extends Alert {
  details: Record<string, unknown>;
  timeline: AlertEvent[];
  deliveries: AlertDelivery[];
}

export interface AlertSummary {
  open: number;
  acknowledged: number;
  open_by_severity: Record<AlertSeverity, number>;
}

export interface AlertFilter {
  status?: string;
  team_id?: string;
  kind?: AlertKind;
  severity?: AlertSeverity;
  pipeline?: string;
  product?: string;
}

export interface AlertChannel {
  id: string;
  team_id: string;
  name: string;
  kind: ChannelKind;
  connection: { id: string; name: string } | null;
  recipients: string[];
  enabled: boolean;
  disabled_reason: string | null;
  created_at: string;
  updated_at: string;
}

export interface ChannelTestResult {
  ok: boolean;
  status: "sent" | "failed" | "skipped";
  http_status: number | null;
  message: string;
}

export interface QuietHours {
  start: string;
  end: string;
  timezone: string;
}

export interface AlertRule {
  id: string;
  team_id: string;
  name: string;
  enabled: boolean;
  kinds: AlertKind[];
  min_severity: AlertSeverity;
  pipelines: string[];
  products: string[];
  tags: string[];
  channel_ids: string[];
  quiet_hours: QuietHours | null;
  escalate_after: string | null;
  escalate_after_ms: number | null;
  escalate_channel_ids: string[];
  created_at: string;
  updated_at: string;
}

export type RuleInput = Omit<AlertRule, "id" | "team_id" | "created_at" | "updated_at" | "escalate_after_ms">;

export interface DeadLetter {
  id: string;
  queue: string;
  message_type: string;
  attempts: number;
  at: string;
  redelivered_at: string | null;
  team_id: string | null;
  description: string;
  last_error: string | null;
  alert: { id: string; title: string } | null;
  channel: { id: string; name: string; kind: string } | null;
  run: { id: string; task: string } | null;
  redeliverable: boolean;
}

export type OwnedType = "pipeline" | "dataset" | "product";

export interface OwnedThing {
  type: OwnedType;
  id: string;
  name: string;
  owner_team: TeamRef | null;
  owner_source: "declared" | "pipeline_team" | "writer" | "declaring_pipeline" | null;
}

export interface Ownership extends OwnedThing {
  dependents: {
    teams: Array<TeamRef & { via: string[] }>;
    pipelines: Array<{ id: string; name: string; owner_team: TeamRef | null }>;
    products: Array<{ name: string; owner_team: TeamRef | null }>;
    datasets: Array<{ id: string; name: string; owner_team: TeamRef | null }>;
    datasets_total: number;
  };
  produced_by: Array<{ id: string; name: string; owner_team: TeamRef | null }>;
  open_alerts: number;
}

const id = encodeURIComponent;
type Query = Record<string, string | number | undefined | null>;

export const alertsApi = {
  list: (filter: AlertFilter, cursor?: string | null) => request<Page<Alert>>("GET", "/alerts", { query: { ...filter, cursor, limit: 50 } as Query }),
  summary: () => request<AlertSummary>("GET", "/alerts/summary"),
  get: (alertId: string) => request<AlertDetail>("GET", `/alerts/${id(alertId)}`),
  acknowledge: (alertId: string) => request<AlertDetail>("POST", `/alerts/${id(alertId)}/acknowledge`),
  unacknowledge: (alertId: string) => request<AlertDetail>("POST", `/alerts/${id(alertId)}/unacknowledge`),
  resolve: (alertId: string, reason?: string) => request<AlertDetail>("POST", `/alerts/${id(alertId)}/resolve`, { body: reason ? { reason } : {} }),
  assign: (alertId: string, userId: string | null) => request<AlertDetail>("POST", `/alerts/${id(alertId)}/assign`, { body: { user_id: userId } }),
  note: (alertId: string, text: string) => request<AlertDetail>("POST", `/alerts/${id(alertId)}/notes`, { body: { text } }),
};

export const channelsApi = {
  list: (teamId?: string) => request<{ items: AlertChannel[]; email_available: boolean }>("GET", "/alert-channels", { query: { team_id: teamId } }),
  create: (body: { team_id: string; name: string; kind: ChannelKind; connection_id?: string; recipients?: string[] }) =>
    request<AlertChannel>("POST", "/alert-channels", { body }),
  update: (channelId: string, body: { name?: string; connection_id?: string; recipients?: string[]; enabled?: boolean }) =>
    request<AlertChannel>("PATCH", `/alert-channels/${id(channelId)}`, { body }),
  remove: (channelId: string) => request<unknown>("DELETE", `/alert-channels/${id(channelId)}`),
  test: (channelId: string) => request<ChannelTestResult>("POST", `/alert-channels/${id(channelId)}/test`, { body: {} }),
};

export const rulesApi = {
  list: (teamId?: string) => request<{ items: AlertRule[] }>("GET", "/alert-rules", { query: { team_id: teamId } }),
  create: (body: RuleInput & { team_id: string }) => request<AlertRule>("POST", "/alert-rules", { body }),
  update: (ruleId: string, body: Partial<RuleInput>) => request<AlertRule>("PATCH", `/alert-rules/${id(ruleId)}`, { body }),
  remove: (ruleId: string) => request<unknown>("DELETE", `/alert-rules/${id(ruleId)}`),
};

export const deadLettersApi = {
  list: (queue: string | undefined, cursor?: string | null) => request<Page<DeadLetter>>("GET", "/dead-letters", { query: { queue, cursor, limit: 50 } }),
  redeliver: (deadLetterId: string) => request<DeadLetter>("POST", `/dead-letters/${id(deadLetterId)}/redeliver`),
};

export const ownersApi = {
  list: (type: OwnedType, filter: { q?: string; team_id?: string }, cursor?: string | null) =>
    request<Page<OwnedThing>>("GET", "/owners", { query: { type, ...filter, cursor, limit: 50 } }),
  get: (type: OwnedType, thingId: string) => request<Ownership>("GET", `/owners/${type}/${id(thingId)}`),
};

export const severityTone = { critical: "danger", warning: "warning", info: "info" } as const;

export const transitionLabel = (t: string) =>
  t === "opened" ? "Opened" : t === "resolved" ? "Resolved" : t.startsWith("escalated:") ? `Re-notified (${t.slice(10)})` : t;

export const ownerSourceLabel: Record<NonNullable<OwnedThing["owner_source"]>, string> = {
  declared: "set explicitly",
  pipeline_team: "the pipeline's team",
  writer: "inherited from the pipeline that writes it",
  declaring_pipeline: "the team of the pipeline that declares it",
};
