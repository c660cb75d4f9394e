import { eq } from "drizzle-orm";
import { defaultCostSettings, type CostSettings } from "../../../costs/settings";
import type { TenantCtx } from "../../client";
import { costRecords, costSettings } from "../../schema";
import { auditInsert, type AuditSource } from "../platform/audit";

/** The tenant's cost currency and prices; the defaults until someone saves their own. */
export async function getCostSettings(ctx: TenantCtx): Promise<CostSettings & { updatedAt: number | null }> {
  const [row] = await ctx.db.select().from(costSettings).where(eq(costSettings.tenantId, ctx.tenantId)).limit(1);
  if (!row) return { ...defaultCostSettings, updatedAt: null };
  const { tenantId: _, ...rest } = row;
  return rest;
}

export async function hasCostRecords(ctx: TenantCtx): Promise<boolean> {
  const [row] = await ctx.db.select({ id: costRecords.id }).from(costRecords).where(eq(costRecords.tenantId, ctx.tenantId)).limit(1);
  return Boolean(row);
}

export async function saveCostSettings(ctx: TenantCtx, audit: AuditSource, settings: CostSettings, changed: string[]): Promise<void> {
  const row = { tenantId: ctx.tenantId, ...settings, updatedAt: audit.now };
  await ctx.db.batch([
    ctx.db
      .insert(costSettings)
      .values(row)
      .onConflictDoUpdate({ target: costSettings.tenantId, set: { ...settings, updatedAt: audit.now } }),
    auditInsert(ctx, audit, { action: "cost_settings.update", targetType: "cost_settings", targetId: ctx.tenantId, details: { fields: changed } }),
  ]);
}
