import { and, asc, eq, inArray } from "drizzle-orm";
import type { TenantCtx } from "../../client";
import { alertChannels, alertRules } from "../../schema";
import { auditInsert, type AuditSource } from "../platform/audit";
import type { ChannelKind } from "../../../alerting/kinds";
import { newId } from "../../../lib/ids";

export type AlertChannel = typeof alertChannels.$inferSelect;

const byId = (ctx: TenantCtx, id: string) => and(eq(alertChannels.tenantId, ctx.tenantId), eq(alertChannels.id, id));

export async function getChannel(ctx: TenantCtx, id: string): Promise<AlertChannel | null> {
  const [row] = await ctx.db.select().from(alertChannels).where(byId(ctx, id)).limit(1);
  return row ?? null;
}

export async function getChannelByName(ctx: TenantCtx, teamId: string, name: string): Promise<AlertChannel | null> {
  const [row] = await ctx.db
    .select()
    .from(alertChannels)
    .where(and(eq(alertChannels.tenantId, ctx.tenantId), eq(alertChannels.teamId, teamId), eq(alertChannels.name, name)))
    .limit(1);
  return row ?? null;
}

/** Channels of these teams (`null`: every team), by team then name. */
export async function listChannels(ctx: TenantCtx, teamIds: string[] | null): Promise<AlertChannel[]> {
  if (teamIds && teamIds.length === 0) return [];
  const conds = [eq(alertChannels.tenantId, ctx.tenantId)];
  if (teamIds) conds.push(inArray(alertChannels.teamId, teamIds));
  return ctx.db
    .select()
    .from(alertChannels)
    .where(and(...conds))
    .orderBy(asc(alertChannels.teamId), asc(alertChannels.name));
}

export async function channelsByIds(ctx: TenantCtx, ids: string[]): Promise<AlertChannel[]> {
  if (!ids.length) return [];
  return ctx.db
    .select()
    .from(alertChannels)
    .where(and(eq(alertChannels.tenantId, ctx.tenantId), inArray(alertChannels.id, ids)));
}

export interface NewChannel {
  teamId: string;
  name: string;
  kind: ChannelKind;
  connectionId: string | null;
  recipients: string[];
  createdBy: string;
}

export async function createChannel(ctx: TenantCtx, source: AuditSource, input: NewChannel): Promise<AlertChannel> {
  const row: AlertChannel = {
    tenantId: ctx.tenantId,
    id: newId("channel"),
    ...input,
    enabled: true,
    disabledReason: null,
    createdAt: source.now,
    updatedAt: source.now,
  };
  await ctx.db.batch([
    ctx.db.insert(alertChannels).values(row),
    auditInsert(ctx, source, {
      action: "alert_channel.created",
      targetType: "alert_channel",
      targetId: row.id,
      teamId: row.teamId,
      details: { name: row.name, kind: row.kind, connection_id: row.connectionId, recipients: row.recipients.length },
    }),
  ]);
  return row;
}

export interface ChannelPatch {
  name?: string;
  connectionId?: string | null;
  recipients?: string[];
  enabled?: boolean;
}

export async function updateChannel(ctx: TenantCtx, source: AuditSource, channel: AlertChannel, patch: ChannelPatch): Promise<AlertChannel> {
  // Re-enabling clears Tutti's reason for disabling it.
  const set = { ...patch, updatedAt: source.now, ...(patch.enabled === true ? { disabledReason: null } : {}) };
  await ctx.db.batch([
    ctx.db.update(alertChannels).set(set).where(byId(ctx, channel.id)),
    auditInsert(ctx, source, {
      action: "alert_channel.updated",
      targetType: "alert_channel",
      targetId: channel.id,
      teamId: channel.teamId,
      details: { name: channel.name, changed: Object.keys(patch).sort() },
    }),
  ]);
  return { ...channel, ...set };
}

/** Deletes the channel and takes it out of the team's rules, in one batch. */
export async function deleteChannel(ctx: TenantCtx, source: AuditSource, channel: AlertChannel): Promise<void> {
  const rules = await ctx.db
    .select({ id: alertRules.id, channelIds: alertRules.channelIds, escalateChannelIds: alertRules.escalateChannelIds })
    .from(alertRules)
    .where(and(eq(alertRules.tenantId, ctx.tenantId), eq(alertRules.teamId, channel.teamId)));
  const without = (ids: string[]) => ids.filter((id) => id !== channel.id);
  const ruleUpdates = rules
    .filter((r) => r.channelIds.includes(channel.id) || r.escalateChannelIds.includes(channel.id))
    .map((r) =>
      ctx.db
        .update(alertRules)
        .set({ channelIds: without(r.channelIds), escalateChannelIds: without(r.escalateChannelIds), updatedAt: source.now })
        .where(and(eq(alertRules.tenantId, ctx.tenantId), eq(alertRules.id, r.id))),
    );
  await ctx.db.batch([
    ctx.db.delete(alertChannels).where(byId(ctx, channel.id)),
    ...ruleUpdates,
    auditInsert(ctx, source, {
      action: "alert_channel.deleted",
      targetType: "alert_channel",
      targetId: channel.id,
      teamId: channel.teamId,
      details: { name: channel.name, kind: channel.kind },
    }),
  ]);
}

/** Tutti stops using a channel whose destination is gone (Slack 404/410, webhook 410) until someone re-enables it. */
export async function disableChannel(ctx: TenantCtx, channelId: string, reason: string, now: number): Promise<void> {
  await ctx.db.update(alertChannels).set({ enabled: false, disabledReason: reason, updatedAt: now }).where(byId(ctx, channelId));
}
