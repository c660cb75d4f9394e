import { and, eq, inArray, isNull, lt, or, sql } from "drizzle-orm";
import type { TenantCtx } from "../../client";
import { alertDeliveries, alertEvents, deadLetters } from "../../schema";
import { auditInsert, type AuditSource } from "../platform/audit";
import { SYSTEM_ACTOR } from "./alerts";
import { newId } from "../../../lib/ids";

export type AlertDelivery = typeof alertDeliveries.$inferSelect;

const byId = (ctx: TenantCtx, id: string) => and(eq(alertDeliveries.tenantId, ctx.tenantId), eq(alertDeliveries.id, id));

export async function getDelivery(ctx: TenantCtx, id: string): Promise<AlertDelivery | null> {
  const [row] = await ctx.db.select().from(alertDeliveries).where(byId(ctx, id)).limit(1);
  return row ?? null;
}

export async function deliveriesOf(ctx: TenantCtx, alertId: string): Promise<AlertDelivery[]> {
  return ctx.db
    .select()
    .from(alertDeliveries)
    .where(and(eq(alertDeliveries.tenantId, ctx.tenantId), eq(alertDeliveries.alertId, alertId)))
    .orderBy(alertDeliveries.createdAt, alertDeliveries.id);
}

export async function deliveriesByIds(ctx: TenantCtx, ids: string[]): Promise<AlertDelivery[]> {
  if (!ids.length) return [];
  return ctx.db
    .select()
    .from(alertDeliveries)
    .where(and(eq(alertDeliveries.tenantId, ctx.tenantId), inArray(alertDeliveries.id, ids)));
}

/**
 * Takes a delivery for sending: only one consumer holds it at a time (a lease, so a crashed consumer's claim expires),
 * and a sent, dead or skipped delivery is never taken again. Counts the attempt. Null when not claimable now.
 */
export async function claimDelivery(ctx: TenantCtx, id: string, now: number, leaseMs: number): Promise<AlertDelivery | null> {
  const [row] = await ctx.db
    .update(alertDeliveries)
    .set({ status: "sending", leaseUntil: now + leaseMs, attempts: sql`${alertDeliveries.attempts} + 1`, updatedAt: now })
    .where(
      and(
        byId(ctx, id),
        or(inArray(alertDeliveries.status, ["pending", "retrying"]), and(eq(alertDeliveries.status, "sending"), lt(alertDeliveries.leaseUntil, now)))!,
      ),
    )
    .returning();
  return row ?? null;
}

export async function markSent(ctx: TenantCtx, d: AlertDelivery, now: number, statusCode: number | null, eventMessage: string) {
  await ctx.db.batch([
    ctx.db
      .update(alertDeliveries)
      .set({ status: "sent", sentAt: now, leaseUntil: null, lastStatusCode: statusCode, lastError: null, updatedAt: now })
      .where(byId(ctx, d.id)),
    ctx.db.insert(alertEvents).values({
      tenantId: ctx.tenantId,
      id: newId("event"),
      alertId: d.alertId,
      at: now,
      type: "notified",
      actorType: SYSTEM_ACTOR.type,
      actorId: SYSTEM_ACTOR.id,
      actorLabel: SYSTEM_ACTOR.label,
      message: eventMessage,
      details: { delivery_id: d.id, channel_id: d.channelId, transition: d.transition, attempts: d.attempts },
    }),
  ]);
}

export async function markRetrying(ctx: TenantCtx, d: AlertDelivery, now: number, nextAttemptAt: number, statusCode: number | null, error: string) {
  await ctx.db
    .update(alertDeliveries)
    .set({ status: "retrying", leaseUntil: null, nextAttemptAt, lastStatusCode: statusCode, lastError: error, updatedAt: now })
    .where(byId(ctx, d.id));
}

/** Gives up: the delivery goes to the dead-letter view (dead_letters, queue "notify") and on the alert's timeline. */
export async function markDead(ctx: TenantCtx, d: AlertDelivery, now: number, statusCode: number | null, error: string, eventMessage: string) {
  await ctx.db.batch([
    ctx.db
      .update(alertDeliveries)
      .set({ status: "dead", leaseUntil: null, lastStatusCode: statusCode, lastError: error, updatedAt: now })
      .where(byId(ctx, d.id)),
    ctx.db
      .insert(deadLetters)
      .values({
        tenantId: ctx.tenantId,
        id: newId("delivery"),
        queue: "notify",
        // One dead-letter row per delivery and death: a redelivered delivery that dies again gets a new row.
        messageId: `${d.id}:${d.attempts}`,
        body: { type: "alert.deliver", tenantId: ctx.tenantId, deliveryId: d.id },
        attempts: d.attempts,
        at: now,
      })
      .onConflictDoNothing(),
    ctx.db.insert(alertEvents).values({
      tenantId: ctx.tenantId,
      id: newId("event"),
      alertId: d.alertId,
      at: now,
      type: "delivery_failed",
      actorType: SYSTEM_ACTOR.type,
      actorId: SYSTEM_ACTOR.id,
      actorLabel: SYSTEM_ACTOR.label,
      message: eventMessage,
      details: { delivery_id: d.id, channel_id: d.channelId, error, attempts: d.attempts },
    }),
  ]);
}

/** Cannot be sent by this deployment (no e-mail binding): recorded as such, never as sent. */
export async function markSkipped(ctx: TenantCtx, d: AlertDelivery, now: number, reason: string) {
  await ctx.db.update(alertDeliveries).set({ status: "skipped", leaseUntil: null, lastError: reason, updatedAt: now }).where(byId(ctx, d.id));
}

/** Deliveries of an alert not yet handed to a consumer or waiting to retry: re-queued when a signal is redelivered. */
export async function unsentDeliveriesOf(ctx: TenantCtx, alertId: string): Promise<AlertDelivery[]> {
  return ctx.db
    .select()
    .from(alertDeliveries)
    .where(and(eq(alertDeliveries.tenantId, ctx.tenantId), eq(alertDeliveries.alertId, alertId), eq(alertDeliveries.status, "pending")));
}

/** The channels an alert's opening or escalations went to: its resolution goes to the same ones, once each. */
export async function notifiedChannelsOf(ctx: TenantCtx, alertId: string): Promise<Array<{ channelId: string; teamId: string; snapshotRole: string }>> {
  const rows = await ctx.db
    .select({ channelId: alertDeliveries.channelId, teamId: alertDeliveries.teamId, message: alertDeliveries.message, transition: alertDeliveries.transition })
    .from(alertDeliveries)
    .where(and(eq(alertDeliveries.tenantId, ctx.tenantId), eq(alertDeliveries.alertId, alertId)));
  const seen = new Map<string, { channelId: string; teamId: string; snapshotRole: string }>();
  for (const r of rows) {
    if (r.transition === "resolved" || seen.has(r.channelId)) continue;
    seen.set(r.channelId, { channelId: r.channelId, teamId: r.teamId, snapshotRole: r.message.recipient.role });
  }
  return [...seen.values()];
}

/** Puts a dead delivery back in line (attempts restart) and marks its dead-letter row redelivered, with an audit entry. */
export async function resetForRedelivery(ctx: TenantCtx, source: AuditSource, d: AlertDelivery, deadLetterId: string) {
  await ctx.db.batch([
    ctx.db
      .update(alertDeliveries)
      .set({ status: "pending", attempts: 0, leaseUntil: null, nextAttemptAt: null, lastError: null, lastStatusCode: null, updatedAt: source.now })
      .where(and(byId(ctx, d.id), eq(alertDeliveries.status, "dead"))),
    ctx.db
      .update(deadLetters)
      .set({ redeliveredAt: source.now })
      .where(and(eq(deadLetters.tenantId, ctx.tenantId), eq(deadLetters.id, deadLetterId), isNull(deadLetters.redeliveredAt))),
    auditInsert(ctx, source, {
      action: "dead_letter.redelivered",
      targetType: "dead_letter",
      targetId: deadLetterId,
      teamId: d.teamId,
      details: { delivery_id: d.id, alert_id: d.alertId },
    }),
  ]);
}

/** The queue itself dead-lettered a delivery message (the consumer kept crashing): unless finished, it is dead. */
export async function markDeliveryDeadByQueue(ctx: TenantCtx, id: string, now: number) {
  await ctx.db
    .update(alertDeliveries)
    .set({ status: "dead", leaseUntil: null, lastError: "the notify queue gave up on this delivery after its own retries", updatedAt: now })
    .where(and(byId(ctx, id), inArray(alertDeliveries.status, ["pending", "sending", "retrying"])));
}
