import type { TenantCtx } from "../db/client";
import { datasetsWithFreshnessPolicy, type Dataset } from "../db/repo/lineage-catalog";
import { freshnessStatus, type FreshnessStatus } from "../lineage/freshness";

export interface FreshnessCheck {
  /** Datasets whose last successful write is older than their policy allows at their latest deadline. */
  late: Array<{ dataset: Dataset; status: FreshnessStatus }>;
  /** The earliest upcoming deadline among all policies: when to check again (a Durable Object timer). */
  nextCheckAt: number | null;
}

/**
 * Evaluates every expected-freshness setting of a tenant at `now`. Meant to run at deadlines (the tenant's
 * Durable Object arms a timer at `nextCheckAt`), so a breach is found even when no run ever started.
 */
export async function checkFreshness(ctx: TenantCtx, now: number): Promise<FreshnessCheck> {
  const rows = await datasetsWithFreshnessPolicy(ctx);
  const late: FreshnessCheck["late"] = [];
  let nextCheckAt: number | null = null;
  for (const d of rows) {
    const status = freshnessStatus({ cron: d.freshnessCron!, timezone: d.freshnessTimezone ?? "UTC", maxAgeMs: d.freshnessMaxAgeMs ?? 0 }, d.lastWriteAt, now);
    if (status.state === "late") late.push({ dataset: d, status });
    if (status.nextDeadline !== null && (nextCheckAt === null || status.nextDeadline < nextCheckAt)) nextCheckAt = status.nextDeadline;
  }
  return { late, nextCheckAt };
}
