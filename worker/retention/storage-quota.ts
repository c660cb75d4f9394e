import type { TenantCtx } from "../db/client";
import { quotaState, type QuotaOverrides, type QuotaState } from "../db/repo/platform/storage-usage";
import { checkStorageQuota, defaultQuotas, type Quotas, type StoredTotals } from "./quotas";

/** The storage quotas in force: the operator's overrides, else the defaults. */
export const storageQuotasOf = (o: QuotaOverrides): Omit<Quotas, "ingestPerMinute"> => ({
  storageBytes: o.storageBytes ?? defaultQuotas.storageBytes,
  objects: o.objects ?? defaultQuotas.objects,
});

/** Refuses (413, naming the quota) a write of `adding` that would take the tenant past its storage quotas. */
export async function enforceStorageQuota(ctx: TenantCtx, adding: StoredTotals): Promise<void> {
  checkQuotaState(ctx, await quotaState(ctx), adding);
}

/** enforceStorageQuota for a caller that read the tenant's quota state already (quotaStateRead, with its other reads). */
export function checkQuotaState(ctx: TenantCtx, state: QuotaState, adding: StoredTotals): void {
  checkStorageQuota(storageQuotasOf(state.overrides), state, adding, ctx.tenantId);
}
