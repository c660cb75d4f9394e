import { z } from "@hono/zod-openapi";
import { alertEventTypes, alertKinds, alertSeverities, alertStatuses, channelKinds, deliveryStatuses } from "../../alerting/kinds";
import type { AlertDelivery } from "../../db/repo/alerting/deliveries";
import type { Alert, AlertEvent, AlertImpact } from "../../db/repo/alerting/alerts";
import { alertSubjectTypes } from "../../db/schema/alerts";
import { actorTypes } from "../../db/schema/enums";
import { isoOrNull, timestamp } from "../shared";

// Its own name: "TeamRef" is lineage's reference without the slug, and one name must mean one shape in the document.
// Nullable as a union: `.nullable()` would carry the name over, and the document would then hold null under it.
const TeamRefOut = z.union([z.object({ id: z.string(), slug: z.string(), name: z.string() }).openapi("AlertTeamRef"), z.null()]);

export const AlertOut = z
  .object({
    id: z.string().openapi({ example: "alr_3k9q0x2m4n5b6v7c8z1a" }),
    kind: z.enum(alertKinds),
    severity: z.enum(alertSeverities),
    status: z.enum(alertStatuses),
    title: z.string(),
    summary: z.string(),
    dedupe_key: z.string().openapi({ description: "Events with the same key join this alert while it is not resolved" }),
    subject: z.object({ type: z.enum(alertSubjectTypes), id: z.string(), name: z.string() }),
    owner_team: TeamRefOut,
    pipeline: z.object({ id: z.string(), name: z.string() }).nullable(),
    run_id: z.string().nullable().openapi({ description: "The latest run that caused or repeated it" }),
    occurrences: z.number().int(),
    first_seen_at: timestamp,
    last_seen_at: timestamp,
    acknowledged_at: timestamp.nullable(),
    acknowledged_by: z.string().nullable(),
    assignee: z.object({ id: z.string(), name: z.string(), email: z.string() }).nullable(),
    resolved_at: timestamp.nullable(),
    resolved_by: z.string().nullable(),
    resolution: z.string().nullable(),
    escalation_level: z.number().int(),
    tags: z.array(z.string()),
    impacted_products: z.array(z.object({ name: z.string(), owner_team: TeamRefOut, statement: z.string() })),
  })
  .openapi("Alert");

export const AlertList = z.object({ items: z.array(AlertOut), next_cursor: z.string().nullable() }).openapi("AlertList");

export const AlertEventOut = z
  .object({
    id: z.string(),
    at: timestamp,
    type: z.enum(alertEventTypes),
    actor: z.object({ type: z.enum(actorTypes), id: z.string(), label: z.string() }),
    message: z.string(),
    details: z.record(z.string(), z.unknown()),
  })
  .openapi("AlertEvent");

export const DeliveryOut = z
  .object({
    id: z.string().openapi({ description: "Also the `webhook-id` of webhook deliveries" }),
    channel: z.object({ id: z.string(), name: z.string(), kind: z.enum(channelKinds) }).nullable(),
    team_id: z.string(),
    transition: z.string().openapi({ example: "opened", description: "opened, escalated:<level> or resolved" }),
    status: z.enum(deliveryStatuses),
    attempts: z.number().int(),
    not_before: timestamp.nullable().openapi({ description: "Held by quiet hours until then" }),
    last_error: z.string().nullable(),
    last_status_code: z.number().int().nullable(),
    sent_at: timestamp.nullable(),
    created_at: timestamp,
  })
  .openapi("AlertDelivery");

export const AlertDetailOut = AlertOut.extend({
  details: z.record(z.string(), z.unknown()),
  timeline: z.array(AlertEventOut),
  deliveries: z.array(DeliveryOut),
}).openapi("AlertDetail");

export interface Presentation {
  teams: Map<string, { id: string; slug: string; name: string }>;
  users: Map<string, { id: string; name: string; email: string }>;
  impacts: Map<string, AlertImpact[]>;
}

const team = (p: Presentation, id: string | null) => (id ? (p.teams.get(id) ?? null) : null);

export function alertOut(a: Alert, p: Presentation): z.input<typeof AlertOut> {
  return {
    id: a.id,
    kind: a.kind,
    severity: a.severity,
    status: a.status,
    title: a.title,
    summary: a.summary,
    dedupe_key: a.dedupeKey,
    subject: { type: a.subjectType, id: a.subjectId, name: a.subjectName },
    owner_team: team(p, a.ownerTeamId),
    pipeline: a.pipelineId && a.pipelineName ? { id: a.pipelineId, name: a.pipelineName } : null,
    run_id: a.runId,
    occurrences: a.occurrences,
    first_seen_at: new Date(a.firstSeenAt).toISOString(),
    last_seen_at: new Date(a.lastSeenAt).toISOString(),
    acknowledged_at: isoOrNull(a.acknowledgedAt),
    acknowledged_by: a.acknowledgedBy,
    assignee: a.assigneeUserId ? (p.users.get(a.assigneeUserId) ?? { id: a.assigneeUserId, name: "(former member)", email: "" }) : null,
    resolved_at: isoOrNull(a.resolvedAt),
    resolved_by: a.resolvedBy,
    resolution: a.resolution,
    escalation_level: a.escalationLevel,
    tags: a.tags,
    impacted_products: (p.impacts.get(a.id) ?? []).map((i) => ({ name: i.product, owner_team: team(p, i.ownerTeamId), statement: i.statement })),
  };
}

export const eventOut = (e: AlertEvent): z.input<typeof AlertEventOut> => ({
  id: e.id,
  at: new Date(e.at).toISOString(),
  type: e.type,
  actor: { type: e.actorType, id: e.actorId, label: e.actorLabel },
  message: e.message,
  details: e.details,
});

export const deliveryOut = (
  d: AlertDelivery,
  channels: Map<string, { id: string; name: string; kind: (typeof channelKinds)[number] }>,
): z.input<typeof DeliveryOut> => ({
  id: d.id,
  channel: channels.get(d.channelId) ?? null,
  team_id: d.teamId,
  transition: d.transition,
  status: d.status,
  attempts: d.attempts,
  not_before: isoOrNull(d.notBefore),
  last_error: d.lastError,
  last_status_code: d.lastStatusCode,
  sent_at: isoOrNull(d.sentAt),
  created_at: new Date(d.createdAt).toISOString(),
});
