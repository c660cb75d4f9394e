import type { TenantCtx } from "../db/client";
import { quotaState, type QuotaOverrides } from "../db/repo/platform/storage-usage";
import { checkStorageQuota, defaultQuotas, type Quotas, type StoredTotals } from "./quotas";

/** The storage quotas in force: the operator's overrides, else the defaults. */
export const storageQuotasOf = (o: QuotaOverrides): Omit<Quotas, "ingestPerMinute"> => ({
  storageBytes: o.storageBytes ?? defaultQuotas.storageBytes,
  objects: o.objects ?? defaultQuotas.objects,
});

/** Refuses (413, naming the quota) a write of `adding` that would take the tenant past its storage quotas. */
export async function enforceStorageQuota(ctx: TenantCtx, adding: StoredTotals): Promise<void> {
  enforceReadQuota(ctx, await quotaState(ctx), adding);
}

/** enforceStorageQuota on a quota state read already (beside another read, to save a round trip). */
export function enforceReadQuota(ctx: TenantCtx, state: Awaited<ReturnType<typeof quotaState>>, adding: StoredTotals): void {
  checkStorageQuota(storageQuotasOf(state.overrides), state, adding, ctx.tenantId);
}
