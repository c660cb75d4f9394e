import { eq } from "drizzle-orm";
import { effectiveRetention, type RetentionSettings } from "../../../retention/settings";
import type { TenantCtx } from "../../client";
import { retentionSettings } from "../../schema";
import { auditInsert, type AuditSource } from "./audit";

/** The tenant's retention settings in force (defaults where none was saved), and when they were last changed. */
export async function getRetention(ctx: TenantCtx): Promise<RetentionSettings & { updatedAt: number | null }> {
  const [row] = await ctx.db.select().from(retentionSettings).where(eq(retentionSettings.tenantId, ctx.tenantId)).limit(1);
  return { ...effectiveRetention(row ?? null), updatedAt: row?.updatedAt ?? null };
}

/** Saves the settings that were sent (the others keep following the defaults), audited in the same batch. */
export async function saveRetention(ctx: TenantCtx, audit: AuditSource, change: Partial<RetentionSettings>) {
  await ctx.db.batch([
    ctx.db
      .insert(retentionSettings)
      .values({ tenantId: ctx.tenantId, ...change, updatedAt: audit.now })
      .onConflictDoUpdate({ target: retentionSettings.tenantId, set: { ...change, updatedAt: audit.now } }),
    auditInsert(ctx, audit, { action: "retention.update", targetType: "retention_settings", targetId: ctx.tenantId, details: { ...change } }),
  ]);
}

/** Records that the tenant's Durable Object holds its retention timer, so writes stop asking it. */
export async function markRetentionArmed(ctx: TenantCtx, now: number) {
  await ctx.db
    .insert(retentionSettings)
    .values({ tenantId: ctx.tenantId, armedAt: now })
    .onConflictDoUpdate({ target: retentionSettings.tenantId, set: { armedAt: now } });
}
