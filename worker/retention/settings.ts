/**
 * How long a tenant keeps what piles up: raw OpenLineage events and tool webhook payloads, run transition events,
 * the audit log (in days; task logs go with run events), and dbt artifact uploads (the newest N per project and environment). The tenant's
 * Durable Object removes the rest in bounded batches (worker/durable/runs/retention.ts). Whatever the settings,
 * nothing still referenced goes: each project's latest upload and latest manifest (the production state Slim CI
 * defers to), uploads dbt nodes still point at, the events of each pipeline's latest run, and unfinished runs.
 */
export interface RetentionSettings {
  lineageEventDays: number;
  webhookPayloadDays: number;
  runEventDays: number;
  auditLogDays: number;
  dbtUploadsKept: number;
}

export const defaultRetention: RetentionSettings = {
  lineageEventDays: 30,
  webhookPayloadDays: 30,
  runEventDays: 90,
  auditLogDays: 365,
  dbtUploadsKept: 30,
};

/**
 * Bounds of each setting. Webhook payloads stay at least 8 days: their rows are also the replay defence against a
 * tool's retries (dbt Cloud and GitHub retry for days). The audit log stays at least 90 days for investigations.
 */
export const retentionBounds: Record<keyof RetentionSettings, { min: number; max: number }> = {
  lineageEventDays: { min: 1, max: 3650 },
  webhookPayloadDays: { min: 8, max: 3650 },
  runEventDays: { min: 7, max: 3650 },
  auditLogDays: { min: 90, max: 3650 },
  dbtUploadsKept: { min: 1, max: 10_000 },
};

/** Stored columns (null: the default) → the settings in force. */
export function effectiveRetention(stored: Partial<Record<keyof RetentionSettings, number | null>> | null): RetentionSettings {
  const out = { ...defaultRetention };
  if (!stored) return out;
  for (const key of Object.keys(defaultRetention) as Array<keyof RetentionSettings>) {
    const value = stored[key];
    if (typeof value === "number") out[key] = value;
  }
  return out;
}
