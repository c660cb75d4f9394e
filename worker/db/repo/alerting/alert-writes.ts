import { and, eq, lt, ne, sql } from "drizzle-orm";
import type { BatchItem } from "drizzle-orm/batch";
import type { TenantCtx } from "../../client";
import { alertDeliveries, alertEvents, alertImpacts, alerts, alertSignals } from "../../schema";
import { auditInsert, type AuditSource } from "../platform/audit";
import type { AlertEventType } from "../../../alerting/kinds";
import { newId } from "../../../lib/ids";
import { alertKey, SYSTEM_ACTOR, type Alert, type AlertActor, type AlertImpact, type NewDelivery } from "./alerts";

/**
 * Alert writes, each one batch: the lifecycle Tutti drives (open, occur, resolve, escalate) and what people do
 * (acknowledge, assign, note). Every change also goes on the alert's timeline (alert_events).
 */

type Stmt = BatchItem<"sqlite">;

async function runAll(ctx: TenantCtx, statements: Stmt[]) {
  if (statements.length) await ctx.db.batch(statements as [Stmt, ...Stmt[]]);
}

export function eventInsert(
  ctx: TenantCtx,
  alertId: string,
  at: number,
  type: AlertEventType,
  actor: AlertActor,
  message: string,
  details: Record<string, unknown> = {},
  id: string = newId("event"),
) {
  return ctx.db.insert(alertEvents).values({
    tenantId: ctx.tenantId,
    id,
    alertId,
    at,
    type,
    actorType: actor.type,
    actorId: actor.id,
    actorLabel: actor.label,
    message,
    details,
  });
}

const deliveriesInsert = (ctx: TenantCtx, deliveries: NewDelivery[]): Stmt[] =>
  deliveries.length ? [ctx.db.insert(alertDeliveries).values(deliveries).onConflictDoNothing()] : [];

/** Deliveries of a transition that changes nothing else (a note to subscribers); a replay finds them there. */
export async function addDeliveries(ctx: TenantCtx, deliveries: NewDelivery[]): Promise<void> {
  await runAll(ctx, deliveriesInsert(ctx, deliveries));
}

const signalInsert = (ctx: TenantCtx, key: string | null, alertId: string | null, at: number): Stmt[] =>
  key ? [ctx.db.insert(alertSignals).values({ tenantId: ctx.tenantId, key, alertId, at }).onConflictDoNothing()] : [];

export interface OpenAlertInput {
  alert: Alert;
  impacts: Array<Omit<AlertImpact, "tenantId" | "alertId">>;
  deliveries: NewDelivery[];
  signalKey: string | null;
  message: string;
}

/** A new unresolved alert with its impact, "opened" event and first deliveries. Throws on a concurrent duplicate (open_key). */
export async function insertOpenAlert(ctx: TenantCtx, input: OpenAlertInput): Promise<void> {
  const a = input.alert;
  await runAll(ctx, [
    ctx.db.insert(alerts).values(a),
    ...(input.impacts.length ? [ctx.db.insert(alertImpacts).values(input.impacts.map((i) => ({ ...i, tenantId: ctx.tenantId, alertId: a.id })))] : []),
    eventInsert(ctx, a.id, a.firstSeenAt, "opened", SYSTEM_ACTOR, input.message, { severity: a.severity, run_id: a.runId }),
    ...deliveriesInsert(ctx, input.deliveries),
    ...signalInsert(ctx, input.signalKey, a.id, a.firstSeenAt),
  ]);
}

/** Another occurrence of an unresolved alert: counted and put on the timeline, nobody is notified again. */
export async function recordOccurrence(
  ctx: TenantCtx,
  alert: Alert,
  input: { at: number; runId: string | null; summary: string; details: Record<string, unknown>; signalKey: string | null; message: string },
) {
  await runAll(ctx, [
    ctx.db
      .update(alerts)
      .set({
        occurrences: sql`${alerts.occurrences} + 1`,
        lastSeenAt: sql`max(${alerts.lastSeenAt}, ${input.at})`,
        runId: input.runId ?? alert.runId,
        summary: input.summary,
        details: input.details,
        updatedAt: input.at,
      })
      .where(alertKey(ctx, alert.id)),
    eventInsert(ctx, alert.id, input.at, "occurred", SYSTEM_ACTOR, input.message, { run_id: input.runId }),
    ...signalInsert(ctx, input.signalKey, alert.id, input.at),
  ]);
}

/** A signal that changed nothing (it arrived after the recovery it predates), recorded so a redelivery is recognised. */
export async function recordLateSignal(ctx: TenantCtx, key: string, at: number) {
  await runAll(ctx, signalInsert(ctx, key, null, at));
}

export interface ResolveInput {
  at: number;
  actor: AlertActor;
  reason: string;
  deliveries: NewDelivery[];
  signalKey: string | null;
  audit?: AuditSource;
}

/** Resolves if still unresolved (two resolvers racing leave one resolution); frees the dedupe key for a new alert. */
export async function markResolved(ctx: TenantCtx, alert: Alert, input: ResolveInput) {
  await runAll(ctx, [
    ctx.db
      .update(alerts)
      .set({ status: "resolved", openKey: null, resolvedAt: input.at, resolvedBy: input.actor.label, resolution: input.reason, updatedAt: input.at })
      .where(and(alertKey(ctx, alert.id), ne(alerts.status, "resolved"))),
    eventInsert(ctx, alert.id, input.at, "resolved", input.actor, input.reason),
    ...deliveriesInsert(ctx, input.deliveries),
    ...signalInsert(ctx, input.signalKey, alert.id, input.at),
    ...(input.audit
      ? [
          auditInsert(ctx, input.audit, {
            action: "alert.resolved",
            targetType: "alert",
            targetId: alert.id,
            teamId: alert.ownerTeamId,
            details: { title: alert.title },
          }),
        ]
      : []),
  ]);
}

export async function markEscalated(ctx: TenantCtx, alert: Alert, level: number, at: number, message: string, deliveries: NewDelivery[]) {
  await runAll(ctx, [
    ctx.db
      .update(alerts)
      .set({ escalationLevel: level, updatedAt: at })
      .where(and(alertKey(ctx, alert.id), eq(alerts.status, "open"), lt(alerts.escalationLevel, level))),
    eventInsert(ctx, alert.id, at, "escalated", SYSTEM_ACTOR, message, { level }),
    ...deliveriesInsert(ctx, deliveries),
  ]);
}

export async function setAcknowledged(ctx: TenantCtx, source: AuditSource, actor: AlertActor, alert: Alert, acknowledged: boolean) {
  const set = acknowledged
    ? { status: "acknowledged" as const, acknowledgedAt: source.now, acknowledgedBy: actor.label, updatedAt: source.now }
    : { status: "open" as const, acknowledgedAt: null, acknowledgedBy: null, updatedAt: source.now };
  await runAll(ctx, [
    ctx.db
      .update(alerts)
      .set(set)
      .where(and(alertKey(ctx, alert.id), eq(alerts.status, acknowledged ? "open" : "acknowledged"))),
    eventInsert(
      ctx,
      alert.id,
      source.now,
      acknowledged ? "acknowledged" : "unacknowledged",
      actor,
      acknowledged ? `Acknowledged by ${actor.label}` : `${actor.label} took back the acknowledgement`,
    ),
    auditInsert(ctx, source, {
      action: acknowledged ? "alert.acknowledged" : "alert.unacknowledged",
      targetType: "alert",
      targetId: alert.id,
      teamId: alert.ownerTeamId,
      details: { title: alert.title },
    }),
  ]);
}

export async function setAssignee(ctx: TenantCtx, source: AuditSource, actor: AlertActor, alert: Alert, assignee: { id: string; name: string } | null) {
  await runAll(ctx, [
    ctx.db
      .update(alerts)
      .set({ assigneeUserId: assignee?.id ?? null, updatedAt: source.now })
      .where(alertKey(ctx, alert.id)),
    eventInsert(ctx, alert.id, source.now, "assigned", actor, assignee ? `Assigned to ${assignee.name}` : "Unassigned", {
      assignee_user_id: assignee?.id ?? null,
    }),
    auditInsert(ctx, source, {
      action: "alert.assigned",
      targetType: "alert",
      targetId: alert.id,
      teamId: alert.ownerTeamId,
      details: { assignee_user_id: assignee?.id ?? null },
    }),
  ]);
}

/** Adds a note; returns its timeline event's id, which names the note's deliveries to subscribers. */
export async function addNote(ctx: TenantCtx, source: AuditSource, actor: AlertActor, alert: Alert, text: string): Promise<string> {
  const eventId = newId("event");
  await runAll(ctx, [
    eventInsert(ctx, alert.id, source.now, "note", actor, text, {}, eventId),
    auditInsert(ctx, source, { action: "alert.noted", targetType: "alert", targetId: alert.id, teamId: alert.ownerTeamId, details: { length: text.length } }),
  ]);
  return eventId;
}

/** A timeline entry written by delivery (notified, delivery failed). */
export async function addSystemEvent(
  ctx: TenantCtx,
  alertId: string,
  at: number,
  type: AlertEventType,
  message: string,
  details: Record<string, unknown> = {},
) {
  await eventInsert(ctx, alertId, at, type, SYSTEM_ACTOR, message, details);
}
