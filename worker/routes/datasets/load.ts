import type { Context } from "hono";
import type { AppEnv } from "../../context";
import { tenantCtx } from "../../db/client";
import { getDataset } from "../../db/repo/lineage/catalog";
import { notFound } from "../../lib/errors";
import { freshnessStatus } from "../../lineage/freshness";
import type { Dataset } from "../../db/repo/lineage/catalog";

/** The dataset of the caller's tenant, or 404 (also for another tenant's id). */
export async function loadDataset(c: Context<AppEnv>, id: string) {
  const p = c.get("principal");
  const ctx = tenantCtx(c.get("db"), p.tenantId, c.get("controlDb"));
  const row = await getDataset(ctx, id);
  if (!row) throw notFound("dataset");
  return { p, ctx, row, dataset: row.d };
}

export function freshnessOf(d: Dataset, now: number) {
  if (!d.freshnessCron || !d.freshnessTimezone || d.freshnessMaxAgeMs == null) return null;
  return freshnessStatus({ cron: d.freshnessCron, timezone: d.freshnessTimezone, maxAgeMs: d.freshnessMaxAgeMs }, d.lastWriteAt, now);
}
