import { listTeams } from "../../db/repo/accounts/teams";
import { latestCheckStatuses } from "../../db/repo/costs/reports";
import { facetsOf } from "../../db/repo/lineage/catalog";
import { earliestActivityAt, lastWriteOf } from "../../db/repo/lineage/dataset-health";
import { productsContainingDatasets } from "../../db/repo/products/membership";
import type { TenantCtx } from "../../db/client";
import { datasetFirstSeenAt, QUALITY_WINDOW_MS, qualitySince, summarizeChecks } from "../../lineage/dataset-health";
import { isoOrNull } from "../shared";
import { teamRefOut } from "../lineage/catalog-schemas";
import { freshnessOf } from "./load";
import { datasetOut, type DatasetRow } from "./schemas";

/**
 * A dataset as its page shows it: the row, then its health — freshness against its expected freshness, the latest
 * quality checks (the same summary and window as product scorecards), the write its freshness comes from — the
 * products that claim it, and when it was first seen.
 */
export async function datasetDetail(ctx: TenantCtx, row: DatasetRow, now: number) {
  const d = row.d;
  const [facets, checks, write, earliest, products, teams] = await Promise.all([
    facetsOf(ctx, d.id),
    latestCheckStatuses(ctx, [d.id], qualitySince(now)),
    d.lastWriteRunId ? lastWriteOf(ctx, d.id, d.lastWriteRunId) : null,
    earliestActivityAt(ctx, d.id),
    productsContainingDatasets(ctx, [d.id]),
    listTeams(ctx),
  ]);
  const teamName = new Map(teams.map((t) => [t.id, t.name]));
  return datasetOut(row, {
    facets,
    freshness: freshnessOf(d, now),
    quality: { ...summarizeChecks(checks.get(d.id) ?? []), window_days: QUALITY_WINDOW_MS / 86_400_000 },
    lastWrite:
      write && d.lastWriteAt !== null
        ? {
            at: isoOrNull(d.lastWriteAt)!,
            job: write.job,
            run: {
              id: write.run.id,
              source: write.run.source,
              state: write.run.state,
              tutti_run_id: write.run.tuttiRunId,
              tutti_task_key: write.run.tuttiTaskKey,
            },
            producer: write.producer,
            row_count: write.io?.rowCount ?? null,
            bytes: write.io?.bytes ?? null,
          }
        : null,
    products: products
      .map((p) => ({ id: p.id, name: p.name, owner_team: teamRefOut(p.ownerTeamId, p.ownerTeamId ? (teamName.get(p.ownerTeamId) ?? null) : null) }))
      .sort((a, b) => a.name.localeCompare(b.name)),
    firstSeenAt: datasetFirstSeenAt(d.createdAt, earliest),
  });
}
