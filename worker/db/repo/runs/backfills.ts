import type { TenantCtx } from "../../client";
import { backfills } from "../../schema";
import { auditInsert, type AuditSource } from "../platform/audit";

export type NewBackfill = Omit<typeof backfills.$inferInsert, "tenantId">;

/** The backfill's row and its audit entry, in one batch: both or neither. */
export async function recordBackfill(ctx: TenantCtx, source: AuditSource, row: NewBackfill, teamId: string): Promise<void> {
  await ctx.db.batch([
    ctx.db.insert(backfills).values({ ...row, tenantId: ctx.tenantId }),
    auditInsert(ctx, source, {
      action: "backfill.created",
      targetType: "pipeline",
      targetId: row.pipelineId,
      teamId,
      details: { backfill_id: row.id, slots: row.slots },
    }),
  ]);
}
