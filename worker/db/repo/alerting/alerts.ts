import { and, desc, eq, gt, inArray, isNotNull, lt, ne, or, sql, type SQL } from "drizzle-orm";
import type { BatchItem } from "drizzle-orm/batch";
import type { TenantCtx } from "../../client";
import { alertDeliveries, alertEvents, alertImpacts, alerts, alertSignals, runs, tenantMembers, users } from "../../schema";
import { auditInsert, type AuditSource } from "../platform/audit";
import type { AlertEventType, AlertKind, AlertSeverity, AlertStatus } from "../../../alerting/kinds";
import { newId } from "../../../lib/ids";

export type Alert = typeof alerts.$inferSelect;
export type AlertImpact = typeof alertImpacts.$inferSelect;
export type AlertEvent = typeof alertEvents.$inferSelect;
export type NewDelivery = typeof alertDeliveries.$inferInsert;

type Stmt = BatchItem<"sqlite">;

async function runAll(ctx: TenantCtx, statements: Stmt[]) {
  if (statements.length) await ctx.db.batch(statements as [Stmt, ...Stmt[]]);
}

/** Who did something to an alert: a person or token (from the request) or Tutti itself. */
export interface AlertActor {
  type: "user" | "token" | "system";
  id: string;
  label: string;
}

export const SYSTEM_ACTOR: AlertActor = { type: "system", id: "alerting", label: "Tutti" };

const alertKey = (ctx: TenantCtx, id: string) => and(eq(alerts.tenantId, ctx.tenantId), eq(alerts.id, id));

export function eventInsert(
  ctx: TenantCtx,
  alertId: string,
  at: number,
  type: AlertEventType,
  actor: AlertActor,
  message: string,
  details: Record<string, unknown> = {},
) {
  return ctx.db.insert(alertEvents).values({
    tenantId: ctx.tenantId,
    id: newId("event"),
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

const signalInsert = (ctx: TenantCtx, key: string | null, alertId: string | null, at: number): Stmt[] =>
  key ? [ctx.db.insert(alertSignals).values({ tenantId: ctx.tenantId, key, alertId, at }).onConflictDoNothing()] : [];

// ---- reads ---------------------------------------------------------------------------------------

export async function getAlert(ctx: TenantCtx, id: string): Promise<Alert | null> {
  const [row] = await ctx.db.select().from(alerts).where(alertKey(ctx, id)).limit(1);
  return row ?? null;
}

/** The unresolved alert with this dedupe key, if any (at most one, by the open_key unique index). */
export async function findUnresolved(ctx: TenantCtx, dedupeKey: string): Promise<Alert | null> {
  const [row] = await ctx.db
    .select()
    .from(alerts)
    .where(and(eq(alerts.tenantId, ctx.tenantId), eq(alerts.openKey, dedupeKey)))
    .limit(1);
  return row ?? null;
}

/** The newest alert ever raised with this key, resolved or not (for kinds raised once per key). */
export async function findLatestWithKey(ctx: TenantCtx, dedupeKey: string): Promise<Alert | null> {
  const [row] = await ctx.db
    .select()
    .from(alerts)
    .where(and(eq(alerts.tenantId, ctx.tenantId), eq(alerts.dedupeKey, dedupeKey)))
    .orderBy(desc(alerts.firstSeenAt))
    .limit(1);
  return row ?? null;
}

/** Whether a notify signal was already applied, and to which alert. */
export async function appliedSignal(ctx: TenantCtx, key: string): Promise<{ alertId: string | null } | null> {
  const [row] = await ctx.db
    .select({ alertId: alertSignals.alertId })
    .from(alertSignals)
    .where(and(eq(alertSignals.tenantId, ctx.tenantId), eq(alertSignals.key, key)))
    .limit(1);
  return row ?? null;
}

/**
 * Whether a production run of the pipeline succeeded after `at`. Signals can be consumed out of order (separate
 * batches, concurrent consumers): a failure older than a recovery that was already applied must not open an alert.
 */
export async function succeededAfter(ctx: TenantCtx, pipelineId: string, at: number): Promise<boolean> {
  const [row] = await ctx.db
    .select({ id: runs.id })
    .from(runs)
    .where(
      and(
        eq(runs.tenantId, ctx.tenantId),
        eq(runs.pipelineId, pipelineId),
        eq(runs.environment, "prod"),
        eq(runs.status, "succeeded"),
        gt(runs.finishedAt, at),
      ),
    )
    .limit(1);
  return !!row;
}

export async function unresolvedForPipeline(ctx: TenantCtx, pipelineId: string, kinds: AlertKind[]): Promise<Alert[]> {
  return ctx.db
    .select()
    .from(alerts)
    .where(and(eq(alerts.tenantId, ctx.tenantId), eq(alerts.pipelineId, pipelineId), inArray(alerts.kind, kinds), isNotNull(alerts.openKey)));
}

export async function unresolvedByKeys(ctx: TenantCtx, keys: string[]): Promise<Alert[]> {
  if (!keys.length) return [];
  return ctx.db
    .select()
    .from(alerts)
    .where(and(eq(alerts.tenantId, ctx.tenantId), inArray(alerts.openKey, keys)));
}

export async function unresolvedOfKind(ctx: TenantCtx, kind: AlertKind): Promise<Alert[]> {
  return ctx.db
    .select()
    .from(alerts)
    .where(and(eq(alerts.tenantId, ctx.tenantId), eq(alerts.kind, kind), isNotNull(alerts.openKey)));
}

export async function impactsOf(ctx: TenantCtx, alertIds: string[]): Promise<AlertImpact[]> {
  if (!alertIds.length) return [];
  return ctx.db
    .select()
    .from(alertImpacts)
    .where(and(eq(alertImpacts.tenantId, ctx.tenantId), inArray(alertImpacts.alertId, alertIds)));
}

export async function eventsOf(ctx: TenantCtx, alertId: string): Promise<AlertEvent[]> {
  return ctx.db
    .select()
    .from(alertEvents)
    .where(and(eq(alertEvents.tenantId, ctx.tenantId), eq(alertEvents.alertId, alertId)))
    .orderBy(alertEvents.at, alertEvents.id);
}

export interface AlertFilter {
  statuses?: AlertStatus[];
  /** Alerts this team owns or whose impact reaches one of its products. */
  teamId?: string;
  kind?: AlertKind;
  severity?: AlertSeverity;
  pipeline?: string;
  /** Alerts about this product or impacting it: the product's alert history. */
  product?: string;
  assigneeUserId?: string;
  /** Exclusive bound for cursor paging on (last_seen_at, id) descending. */
  before?: { at: number; id: string };
  limit: number;
}

/** Newest activity first; returns `limit + 1` rows so the caller can tell whether there is a next page. */
export async function listAlerts(ctx: TenantCtx, f: AlertFilter): Promise<Alert[]> {
  const conds: SQL[] = [eq(alerts.tenantId, ctx.tenantId)];
  if (f.statuses?.length) conds.push(inArray(alerts.status, f.statuses));
  if (f.kind) conds.push(eq(alerts.kind, f.kind));
  if (f.severity) conds.push(eq(alerts.severity, f.severity));
  if (f.pipeline) conds.push(eq(alerts.pipelineName, f.pipeline));
  if (f.assigneeUserId) conds.push(eq(alerts.assigneeUserId, f.assigneeUserId));
  if (f.teamId) {
    conds.push(
      or(
        eq(alerts.ownerTeamId, f.teamId),
        sql`${alerts.id} IN (SELECT ${alertImpacts.alertId} FROM ${alertImpacts} WHERE ${alertImpacts.tenantId} = ${ctx.tenantId} AND ${alertImpacts.ownerTeamId} = ${f.teamId})`,
      )!,
    );
  }
  if (f.product) {
    conds.push(
      or(
        and(eq(alerts.subjectType, "product"), eq(alerts.subjectName, f.product)),
        sql`${alerts.id} IN (SELECT ${alertImpacts.alertId} FROM ${alertImpacts} WHERE ${alertImpacts.tenantId} = ${ctx.tenantId} AND ${alertImpacts.product} = ${f.product})`,
      )!,
    );
  }
  if (f.before) conds.push(or(lt(alerts.lastSeenAt, f.before.at), and(eq(alerts.lastSeenAt, f.before.at), lt(alerts.id, f.before.id)))!);
  return ctx.db
    .select()
    .from(alerts)
    .where(and(...conds))
    .orderBy(desc(alerts.lastSeenAt), desc(alerts.id))
    .limit(f.limit + 1);
}

/** Counts of unresolved alerts by status and severity (the navigation badge, the overview). */
export async function alertCounts(ctx: TenantCtx) {
  const rows = await ctx.db
    .select({ status: alerts.status, severity: alerts.severity, n: sql<number>`count(*)` })
    .from(alerts)
    .where(and(eq(alerts.tenantId, ctx.tenantId), ne(alerts.status, "resolved")))
    .groupBy(alerts.status, alerts.severity);
  return rows;
}

// ---- lifecycle writes ----------------------------------------------------------------------------

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

export async function addNote(ctx: TenantCtx, source: AuditSource, actor: AlertActor, alert: Alert, text: string): Promise<void> {
  await runAll(ctx, [
    eventInsert(ctx, alert.id, source.now, "note", actor, text),
    auditInsert(ctx, source, { action: "alert.noted", targetType: "alert", targetId: alert.id, teamId: alert.ownerTeamId, details: { length: text.length } }),
  ]);
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

/** Members of the tenant among these user ids (assignees), with name and e-mail. */
export async function tenantUsersByIds(ctx: TenantCtx, ids: string[]): Promise<Array<{ id: string; name: string; email: string }>> {
  if (!ids.length) return [];
  return ctx.db
    .select({ id: users.id, name: users.name, email: users.email })
    .from(tenantMembers)
    .innerJoin(users, eq(users.id, tenantMembers.userId))
    .where(and(eq(tenantMembers.tenantId, ctx.tenantId), inArray(tenantMembers.userId, ids)));
}
