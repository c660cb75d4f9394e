import type { EngineSignal } from "./signals";

/**
 * Everything the `notify` queue carries besides the engine's own signals (worker/queues/signals.ts). Alerting
 * (worker/queues/notify.ts) consumes all of them; other parts of Tutti send these shapes with `env.NOTIFY.send(...)`.
 */

/**
 * Sent by the cost and budgets code (worker/costs/budgets.ts) when a budget's spend in a period crosses one of its
 * thresholds (80 %, 100 %). Alerting raises one alert per (budget, period, threshold), ever: the same crossing sent
 * again, or after its alert was resolved, changes nothing. The owner is the team (team budgets) or the product's
 * owner team (product budgets).
 */
export interface BudgetThresholdSignal {
  type: "budget.threshold_crossed";
  tenantId: string;
  budgetId: string;
  scope: "team" | "product";
  /** The team id or the product id. */
  scopeId: string;
  /** Percent of the budget, e.g. 80 or 100. */
  threshold: number;
  /** The budget period, "YYYY-MM" (UTC). */
  period: string;
  /** Spend in the period when the crossing was detected, in currency units. */
  amount: number;
  currency: string;
  limit: number;
  at: number;
}

/**
 * Sent by quality ingestion when a dataset's check starts failing (`quality.check_failed`) or passes again
 * (`quality.check_passed`, which resolves the alert). One alert per (dataset, check, column) while unresolved.
 */
export interface QualityCheckSignal {
  type: "quality.check_failed" | "quality.check_passed";
  tenantId: string;
  datasetId: string;
  datasetName: string;
  checkName: string;
  column: string | null;
  /** The result as stored: fail or error for check_failed, pass for check_passed. */
  status: string;
  message: string | null;
  at: number;
}

/** Alerting's own work item: send one delivery (id from alert_deliveries). Retried with backoff by the consumer. */
export interface AlertDeliveryMessage {
  type: "alert.deliver";
  tenantId: string;
  deliveryId: string;
}

export type ExternalSignal = BudgetThresholdSignal | QualityCheckSignal;

export type NotifyMessage = EngineSignal | ExternalSignal | AlertDeliveryMessage;

/**
 * Payloads of the Durable Object watches alerting arms with `setWatch` (they come back as `engine.watch_due`).
 * Keys: `alert-freshness:<dataset>`, `alert-freshness-recheck:<dataset>`, `alert-escalate:<alert>`, `alert-deliver:<delivery>`.
 */
export type AlertWatchPayload =
  | { kind: "freshness"; datasetId: string; deadline: number }
  | { kind: "freshness_recheck"; datasetId: string }
  | { kind: "escalate"; alertId: string; level: number }
  | { kind: "deliver"; deliveryId: string };
