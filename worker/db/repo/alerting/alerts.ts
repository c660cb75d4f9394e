import { and, desc, eq, gt, inArray, isNotNull, lt, ne, or, sql, type SQL } from "drizzle-orm";
import type { TenantCtx } from "../../client";
import { type alertDeliveries, alertEvents, alertImpacts, alerts, alertSignals, runs, tenantMembers, users } from "../../schema";
import type { AlertKind, AlertSeverity, AlertStatus } from "../../../alerting/kinds";

/** Alerts, their impacts and timelines: the types and the reads. Writes are in ./alert-writes.ts. */

export type Alert = typeof alerts.$inferSelect;
export type AlertImpact = typeof alertImpacts.$inferSelect;
export type AlertEvent = typeof alertEvents.$inferSelect;
export type NewDelivery = typeof alertDeliveries.$inferInsert;

/** Who did something to an alert: a person or token (from the request) or Tutti itself. */
export interface AlertActor {
  type: "user" | "token" | "system";
  id: string;
  label: string;
}

export const SYSTEM_ACTOR: AlertActor = { type: "system", id: "alerting", label: "Tutti" };

export const alertKey = (ctx: TenantCtx, id: string) => and(eq(alerts.tenantId, ctx.tenantId), eq(alerts.id, id));

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
/** Members of the tenant among these user ids (assignees), with name and e-mail: people are on the control database. */
export async function tenantUsersByIds(ctx: TenantCtx, ids: string[]): Promise<Array<{ id: string; name: string; email: string }>> {
  if (!ids.length) return [];
  return ctx.control
    .select({ id: users.id, name: users.name, email: users.email })
    .from(tenantMembers)
    .innerJoin(users, eq(users.id, tenantMembers.userId))
    .where(and(eq(tenantMembers.tenantId, ctx.tenantId), inArray(tenantMembers.userId, ids)));
}
