import { eq } from "drizzle-orm";
import { batchSides, type TenantCtx } from "../../client";
import { tenants } from "../../schema";
import { auditInsert, type AuditSource } from "../platform/audit";

/** Whether the workspace requires a second factor of its members' password sign-ins (a tenants column: control). */
export async function mfaRequired(ctx: TenantCtx): Promise<boolean> {
  const [row] = await ctx.control.select({ required: tenants.mfaRequired }).from(tenants).where(eq(tenants.id, ctx.tenantId)).limit(1);
  return row?.required ?? false;
}

export async function setMfaRequired(ctx: TenantCtx, source: AuditSource, required: boolean) {
  await batchSides(
    ctx,
    [ctx.control.update(tenants).set({ mfaRequired: required }).where(eq(tenants.id, ctx.tenantId))],
    [auditInsert(ctx, source, { action: "mfa.requirement_changed", targetType: "tenant", targetId: ctx.tenantId, details: { required } })],
  );
}
