import { and, desc, eq, getTableColumns, inArray, isNotNull, isNull, lt, or, sql, type SQL } from "drizzle-orm";
import type { TenantCtx } from "../../client";
import { webhookDeliveries } from "../../schema";
import { newId } from "../../../lib/ids";
import { usageAddedStatements } from "./storage-usage";

export type WebhookDelivery = typeof webhookDeliveries.$inferSelect;

export interface NewDelivery {
  teamId: string;
  connector: string;
  connectionId: string;
  deliveryId: string;
  eventType: string;
  externalId: string | null;
  receivedAt: number;
  /** The body's size, SHA-256 and R2 key (worker/blobs/raw-bodies.ts): the bytes are put before the row is written. */
  payloadBytes: number;
  payloadSha256: string;
  payloadBlobKey: string;
  /** Where the body starts in that object when it shares it with other deliveries' bodies; null: the whole object. */
  payloadOffset: number | null;
}

export interface RecordResult {
  /** True for the copy that created the row (later copies only count themselves). */
  inserted: boolean;
  delivery: Omit<WebhookDelivery, "payload">;
}

/**
 * Stores deliveries, or counts one more copy of those already stored, in one D1 batch (one transaction). An upsert
 * on the unique delivery key is the whole concurrency story: of N copies, concurrent or in the same batch,
 * exactly one creates the row and sees copies = 1.
 */
export async function recordDeliveries(ctx: TenantCtx, items: NewDelivery[]): Promise<RecordResult[]> {
  if (!items.length) return [];
  const { payload: _payload, ...columns } = getTableColumns(webhookDeliveries);
  const ids = items.map(() => newId("webhook"));
  const statements = items.map((d, i) =>
    ctx.db
      .insert(webhookDeliveries)
      .values({ tenantId: ctx.tenantId, id: ids[i], ...d, matchedRunId: null, matchedTaskKey: null, copies: 1 })
      .onConflictDoUpdate({
        target: [webhookDeliveries.tenantId, webhookDeliveries.connector, webhookDeliveries.connectionId, webhookDeliveries.deliveryId],
        set: { copies: sql`${webhookDeliveries.copies} + 1` },
      })
      .returning(columns),
  );
  // Payloads count toward the tenant's stored bytes (only the copies that created a row); they are never refused
  // for a quota, since they carry the outcome of runs already under way.
  const [first, ...rest] = statements;
  const results = await ctx.db.batch([first, ...rest, ...usageAddedStatements(ctx, "webhook_payload", ids)]);
  const stored = results.slice(0, statements.length) as Array<Array<Omit<WebhookDelivery, "payload">>>;
  return stored.map(([delivery]) => ({ inserted: delivery.copies === 1, delivery }));
}

/** Records the task runs the engine applied deliveries to. */
export async function markDeliveriesMatched(ctx: TenantCtx, items: Array<{ id: string; matched: { runId: string; taskKey: string } }>) {
  if (!items.length) return;
  const statements = items.map(({ id, matched }) =>
    ctx.db
      .update(webhookDeliveries)
      .set({ matchedRunId: matched.runId, matchedTaskKey: matched.taskKey })
      .where(and(eq(webhookDeliveries.tenantId, ctx.tenantId), eq(webhookDeliveries.id, id))),
  );
  await ctx.db.batch(statements as [(typeof statements)[number], ...(typeof statements)[number][]]);
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
      or(
        lt(webhookDeliveries.receivedAt, f.before.receivedAt),
        and(eq(webhookDeliveries.receivedAt, f.before.receivedAt), lt(webhookDeliveries.id, f.before.id)),
      )!,
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
