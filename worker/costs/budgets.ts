/** Budget thresholds: a monthly limit raises one event at 80 % and one at 100 % of it, each once per month. */

export const budgetThresholds = [80, 100] as const;
export type BudgetThreshold = (typeof budgetThresholds)[number];

/** Thresholds the spend has reached (spend ≥ limit × t / 100), lowest first. A zero limit is crossed by any spend. */
export function thresholdsReached(spentMicros: number, limitMicros: number): BudgetThreshold[] {
  if (spentMicros <= 0) return [];
  // Integer arithmetic: 100 × spend ≥ t × limit, so 80 % of 10.00 is reached at exactly 8.00.
  return budgetThresholds.filter((t) => spentMicros * 100 >= t * limitMicros);
}

/** The message alerting consumes from the notify queue. */
export interface BudgetThresholdCrossed {
  type: "budget.threshold_crossed";
  tenantId: string;
  budgetId: string;
  scope: "team" | "product";
  scopeId: string;
  threshold: BudgetThreshold;
  /** "YYYY-MM", UTC. */
  period: string;
  /** Spend in the period when the crossing was detected, in currency units. */
  amount: number;
  currency: string;
  limit: number;
  at: number;
}
