import { and, desc, eq, getTableColumns, inArray, isNotNull, isNull, lt, or, type SQL } from "drizzle-orm";
import type { TenantCtx } from "../client";
import { webhookDeliveries } from "../schema";
import { newId } from "../../lib/ids";

export type WebhookDelivery = typeof webhookDeliveries.$inferSelect;

export interface NewDelivery {
  teamId: string;
  connector: string;
  connectionId: string;
  deliveryId: string;
  eventType: string;
  externalId: string | null;
  receivedAt: number;
  payload: string;
  payloadBytes: number;
}

export type RecordResult = { inserted: true; id: string } | { inserted: false; existing: WebhookDelivery };

/**
 * Stores a delivery unless one with the same delivery id exists. Insert-or-ignore on the unique key is
 * the whole concurrency story: of N concurrent copies exactly one insert succeeds.
 */
export async function recordDelivery(ctx: TenantCtx, d: NewDelivery): Promise<RecordResult> {
  const id = newId("webhook");
  const result = await ctx.db
    .insert(webhookDeliveries)
    .values({ tenantId: ctx.tenantId, id, ...d, matchedRunId: null, matchedTaskKey: null })
    .onConflictDoNothing()
    .run();
  if (result.meta.changes > 0) return { inserted: true, id };
  const [existing] = await ctx.db
    .select()
    .from(webhookDeliveries)
    .where(
      and(
        eq(webhookDeliveries.tenantId, ctx.tenantId),
        eq(webhookDeliveries.connector, d.connector),
        eq(webhookDeliveries.connectionId, d.connectionId),
        eq(webhookDeliveries.deliveryId, d.deliveryId),
      ),
    )
    .limit(1);
  return { inserted: false, existing };
}

/** Records the task run the engine applied the delivery to. */
export async function markDeliveryMatched(ctx: TenantCtx, id: string, matched: { runId: string; taskKey: string }) {
  await ctx.db
    .update(webhookDeliveries)
    .set({ matchedRunId: matched.runId, matchedTaskKey: matched.taskKey })
    .where(and(eq(webhookDeliveries.tenantId, ctx.tenantId), eq(webhookDeliveries.id, id)));
}

export interface DeliveryFilter {
  /** Only these teams' connections; null = every team (tenant admins). */
  teamIds: string[] | null;
  connector?: string;
  connectionId?: string;
  matched?: boolean;
  before?: { receivedAt: number; id: string };
  limit: number;
}

/** Newest first; returns `limit + 1` rows so the caller can tell whether there is a next page. */
export async function listDeliveries(ctx: TenantCtx, f: DeliveryFilter): Promise<Omit<WebhookDelivery, "payload">[]> {
  if (f.teamIds && f.teamIds.length === 0) return [];
  const conds: SQL[] = [eq(webhookDeliveries.tenantId, ctx.tenantId)];
  if (f.teamIds) conds.push(inArray(webhookDeliveries.teamId, f.teamIds));
  if (f.connector) conds.push(eq(webhookDeliveries.connector, f.connector));
  if (f.connectionId) conds.push(eq(webhookDeliveries.connectionId, f.connectionId));
  if (f.matched === true) conds.push(isNotNull(webhookDeliveries.matchedRunId));
  if (f.matched === false) conds.push(isNull(webhookDeliveries.matchedRunId));
  if (f.before) {
    conds.push(
      or(lt(webhookDeliveries.receivedAt, f.before.receivedAt), and(eq(webhookDeliveries.receivedAt, f.before.receivedAt), lt(webhookDeliveries.id, f.before.id)))!,
    );
  }
  const { payload: _payload, ...columns } = getTableColumns(webhookDeliveries);
  return ctx.db
    .select(columns)
    .from(webhookDeliveries)
    .where(and(...conds))
    .orderBy(desc(webhookDeliveries.receivedAt), desc(webhookDeliveries.id))
    .limit(f.limit + 1);
}

export async function getDelivery(ctx: TenantCtx, id: string): Promise<WebhookDelivery | null> {
  const [row] = await ctx.db
    .select()
    .from(webhookDeliveries)
    .where(and(eq(webhookDeliveries.tenantId, ctx.tenantId), eq(webhookDeliveries.id, id)))
    .limit(1);
  return row ?? null;
}
