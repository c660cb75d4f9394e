import { scorecardCostSql, windowParams } from "../../worker/db/repo/costs/reports";
import type { ScorecardWindows } from "../../worker/costs/windows";

/** The statements bench/cost times on both databases, with their parameters after the tenant (?1). */
export function scorecardQueries(w: ScorecardWindows) {
  return { text: scorecardCostSql, params: windowParams(w), ledger: [w.month.from, w.month.to] };
}

/**
 * What the month-to-date scorecard would cost without the daily rollup: the same sums straight from the
 * allocations of a million records. Measured only to show why cost_daily exists.
 */
export const ledgerScorecardSql = `
SELECT product_id, sum(amount_micros) FROM cost_allocations
WHERE tenant_id = ?1 AND day >= ?2 AND day <= ?3
GROUP BY product_id`;
