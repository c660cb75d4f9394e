import type { TenantCtx } from "../../client";
import { backfills } from "../../schema";

export function insertBackfill(ctx: TenantCtx, row: Omit<typeof backfills.$inferInsert, "tenantId">) {
  return ctx.db.insert(backfills).values({ ...row, tenantId: ctx.tenantId });
}
