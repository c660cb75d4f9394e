import { and, desc, eq, gte, inArray, ne, or, sql } from "drizzle-orm";
import type { TenantCtx } from "../../client";
import { alertEvents, alertImpacts, alerts } from "../../schema";
import type { Alert } from "../alerting/alerts";

/**
 * A product's incidents for its status page: the alerts that count towards its health (openAlertCounts: about the
 * product itself, or with an impact naming it by id or name), open ones and those active since `since`, with the
 * impact statement about this product and the notes people wrote on them.
 */

export interface ProductIncident {
  alert: Alert;
  /** What the alert means for this product ("finance_revenue will miss its 08:00 SLA because …"), when known. */
  statement: string | null;
  notes: Array<{ at: number; text: string }>;
}

/** More than a status page shows: a product with this many incidents in a month has a bigger problem than paging. */
const MAX_INCIDENTS = 100;

export async function productIncidents(ctx: TenantCtx, product: { id: string; name: string }, since: number): Promise<ProductIncident[]> {
  const keys = [product.id, product.name];
  const rows = await ctx.db
    .select()
    .from(alerts)
    .where(
      and(
        eq(alerts.tenantId, ctx.tenantId),
        or(ne(alerts.status, "resolved"), gte(alerts.resolvedAt, since), gte(alerts.firstSeenAt, since)),
        or(
          and(eq(alerts.subjectType, "product"), or(inArray(alerts.subjectId, keys), inArray(alerts.subjectName, keys))),
          sql`${alerts.id} IN (SELECT ${alertImpacts.alertId} FROM ${alertImpacts} WHERE ${alertImpacts.tenantId} = ${ctx.tenantId} AND ${inArray(alertImpacts.product, keys)})`,
        ),
      ),
    )
    .orderBy(desc(alerts.firstSeenAt), desc(alerts.id))
    .limit(MAX_INCIDENTS);
  if (!rows.length) return [];
  const ids = rows.map((a) => a.id);
  const [impacts, notes] = await Promise.all([
    ctx.db
      .select({ alertId: alertImpacts.alertId, statement: alertImpacts.statement })
      .from(alertImpacts)
      .where(and(eq(alertImpacts.tenantId, ctx.tenantId), inArray(alertImpacts.alertId, ids), inArray(alertImpacts.product, keys))),
    ctx.db
      .select({ alertId: alertEvents.alertId, at: alertEvents.at, text: alertEvents.message })
      .from(alertEvents)
      .where(and(eq(alertEvents.tenantId, ctx.tenantId), inArray(alertEvents.alertId, ids), eq(alertEvents.type, "note")))
      .orderBy(alertEvents.at, alertEvents.id),
  ]);
  const statementOf = new Map(impacts.map((i) => [i.alertId, i.statement]));
  return rows.map((alert) => ({
    alert,
    statement: statementOf.get(alert.id) ?? null,
    notes: notes.filter((n) => n.alertId === alert.id).map((n) => ({ at: n.at, text: n.text })),
  }));
}
