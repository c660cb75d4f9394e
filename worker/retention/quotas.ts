import { ApiError } from "../lib/errors";

/**
 * Per-tenant quotas: bytes and objects stored of the kinds that count (raw lineage events, webhook payloads, dbt
 * uploads: docs/operations.md) and ingest requests per minute. Defaults fit a mid-size data team under the default
 * retention; an operator changes them per tenant with `npm run quotas`.
 */
export interface Quotas {
  storageBytes: number;
  objects: number;
  ingestPerMinute: number;
}

export const GIB = 1024 * 1024 * 1024;

export const defaultQuotas: Omit<Quotas, "ingestPerMinute"> = {
  storageBytes: 5 * GIB,
  objects: 1_000_000,
};

/** What a tenant stores now, summed over the kinds that count. */
export interface StoredTotals {
  bytes: number;
  objects: number;
}

/** How an operator raises a quota; named in every refusal so the tenant can ask for the right thing. */
export const raiseHint = (tenantId: string, flag: string) => `ask your operator to raise it (npm run quotas -- --remote --tenant ${tenantId} ${flag} N)`;

const human = (bytes: number) =>
  bytes >= GIB ? `${(bytes / GIB).toFixed(2)} GiB` : bytes >= 1024 * 1024 ? `${(bytes / (1024 * 1024)).toFixed(1)} MiB` : `${bytes} bytes`;

/**
 * Refuses a write that would take the tenant past a storage quota: 413 naming the quota, the current use, the limit
 * and how to raise it. `adding` is what the write stores. Checked before the write, so copies racing past the check
 * together can overshoot by their own size; the next write is refused.
 */
export function checkStorageQuota(quotas: Omit<Quotas, "ingestPerMinute">, used: StoredTotals, adding: StoredTotals, tenantId: string): void {
  if (used.bytes + adding.bytes > quotas.storageBytes) {
    const message = `storage quota reached: the workspace stores ${human(used.bytes)} of its ${human(quotas.storageBytes)} (${quotas.storageBytes} bytes) and this write adds ${human(adding.bytes)}; lower retention in Settings → Storage, or ${raiseHint(tenantId, "--storage-bytes")}`;
    throw new ApiError("payload_too_large", message, [{ path: "quota.storage_bytes", message: `${used.bytes} of ${quotas.storageBytes} bytes used` }]);
  }
  if (used.objects + adding.objects > quotas.objects) {
    const message = `object quota reached: the workspace stores ${used.objects} of its ${quotas.objects} objects and this write adds ${adding.objects}; lower retention in Settings → Storage, or ${raiseHint(tenantId, "--objects")}`;
    throw new ApiError("payload_too_large", message, [{ path: "quota.objects", message: `${used.objects} of ${quotas.objects} objects used` }]);
  }
}
