/**
 * The closed vocabularies of alerting, shared by the D1 columns, the API schemas and the dashboard.
 * They live beside the alerting code rather than in db/schema/enums.ts because nothing else uses them.
 */

/** What an alert is about. Each kind has a default severity and a grouping policy (below). */
export const alertKinds = [
  "run_failed",
  "run_timed_out",
  "retries_exhausted",
  "sla_missed",
  "freshness_breached",
  "quality_failed",
  "budget_threshold",
  "connection_failing",
  "dispatch_dead_lettered",
  "zombie_products",
  "unused_product",
] as const;
export type AlertKind = (typeof alertKinds)[number];

export const alertSeverities = ["info", "warning", "critical"] as const;
export type AlertSeverity = (typeof alertSeverities)[number];

export const alertStatuses = ["open", "acknowledged", "resolved"] as const;
export type AlertStatus = (typeof alertStatuses)[number];

export const channelKinds = ["slack", "webhook", "email"] as const;
export type ChannelKind = (typeof channelKinds)[number];

/**
 * pending: waiting to be sent (or for quiet hours to end); sending: claimed by a consumer; retrying: failed, will retry;
 * sent: the receiver accepted it; dead: gave up (in the dead-letter view); skipped: cannot be sent here (no email binding).
 */
export const deliveryStatuses = ["pending", "sending", "retrying", "sent", "dead", "skipped"] as const;
export type DeliveryStatus = (typeof deliveryStatuses)[number];

export const alertEventTypes = [
  "opened",
  "occurred",
  "acknowledged",
  "unacknowledged",
  "assigned",
  "note",
  "escalated",
  "resolved",
  "notified",
  "delivery_failed",
] as const;
export type AlertEventType = (typeof alertEventTypes)[number];

export const severityRank: Record<AlertSeverity, number> = { info: 0, warning: 1, critical: 2 };

export const atLeast = (severity: AlertSeverity, min: AlertSeverity) => severityRank[severity] >= severityRank[min];

/** The severity a kind gets unless the event says otherwise (a budget's 100 % is critical, its 80 % a warning). */
export const defaultSeverity: Record<AlertKind, AlertSeverity> = {
  run_failed: "critical",
  run_timed_out: "critical",
  retries_exhausted: "warning",
  sla_missed: "critical",
  freshness_breached: "warning",
  quality_failed: "warning",
  budget_threshold: "warning",
  connection_failing: "critical",
  dispatch_dead_lettered: "warning",
  zombie_products: "warning",
  unused_product: "warning",
};

/**
 * How repeated events group. `while_open`: the same dedupe key joins the open alert, and a new alert opens once it is
 * resolved (failures). `once`: one alert per key ever (a budget threshold in a period fires once, even after resolve;
 * a team's zombie digest goes out once a month).
 */
export const groupingOf = (kind: AlertKind): "while_open" | "once" =>
  kind === "budget_threshold" || kind === "zombie_products" || kind === "unused_product" ? "once" : "while_open";

/** Pipeline spec `alerts.on` values → the alert kinds they stand for. */
export const specEventKinds: Record<string, AlertKind> = {
  failure: "run_failed",
  retries_exhausted: "retries_exhausted",
  timed_out: "run_timed_out",
  sla_miss: "sla_missed",
};

export const kindLabels: Record<AlertKind, string> = {
  run_failed: "Run failed",
  run_timed_out: "Run timed out",
  retries_exhausted: "Retries exhausted",
  sla_missed: "SLA missed",
  freshness_breached: "Freshness breached",
  quality_failed: "Quality check failed",
  budget_threshold: "Budget threshold",
  connection_failing: "Connection failing",
  dispatch_dead_lettered: "Dispatch dead-lettered",
  zombie_products: "Zombie products",
  unused_product: "Unused product: pipelines slowed or paused",
};

/** Most escalations (re-notifications of an unacknowledged alert) before Tutti stops re-sending. */
export const MAX_ESCALATIONS = 3;
