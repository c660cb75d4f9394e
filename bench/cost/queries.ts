import { sql, type SQL } from "drizzle-orm";
import { scorecardCostSql } from "../../worker/db/repo/costs/reports";
import type { ScorecardWindows } from "../../worker/costs/windows";

/** The scorecard statement bench/cost times on both databases: the repository's own. */
export const scorecardQuery = (tenantId: string, w: ScorecardWindows): SQL => scorecardCostSql(tenantId, w);

/**
 * What the month-to-date scorecard would cost without the daily rollup: the same sums straight from the
 * allocations of a million records. Measured only to show why cost_daily exists.
 */
export const ledgerScorecardSql = (tenantId: string, w: ScorecardWindows): SQL => sql`
SELECT product_id, sum(amount_micros) FROM cost_allocations
WHERE tenant_id = ${tenantId} AND day >= ${w.month.from} AND day <= ${w.month.to}
GROUP BY product_id`;
