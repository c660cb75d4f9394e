import type { DatasetUpdate } from "../engine/dataset-triggers";
import type { BudgetThresholdCrossedSignal, EngineSignal } from "./signals";

/**
 * Everything the `notify` queue carries besides the engine's own signals and budget crossings (both in
 * worker/queues/signals.ts). Alerting (worker/queues/notify.ts) consumes all of them; other parts of Tutti send these
 * shapes with `env.NOTIFY.send(...)`.
 */

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

/** Datasets whose freshness moved (worker/lineage/dataset-updates.ts), for the tenant's dataset triggers. */
export interface DatasetsUpdatedSignal {
  type: "lineage.datasets_updated";
  tenantId: string;
  updates: DatasetUpdate[];
}

/** Alerting's own work item: send one delivery (id from alert_deliveries). Retried with backoff by the consumer. */
export interface AlertDeliveryMessage {
  type: "alert.deliver";
  tenantId: string;
  deliveryId: string;
}

/** One product of a zombie digest: what it cost, since when nobody uses it, what depends on it. */
export interface ZombieDigestProduct {
  id: string;
  name: string;
  /** Cost of the last 30 days, in `currency`. */
  cost30d: number;
  /** Last day with usage (YYYY-MM-DD); null: never used. */
  lastUsedDay: string | null;
  /** When the product was registered (ms): "never used since". */
  createdAt: number;
  /** Other products reading its datasets downstream, by name. */
  dependentProducts: string[];
  /** Datasets downstream of its datasets in the lineage graph. */
  downstreamDatasets: number;
}

/**
 * A team's monthly digest of its zombie products (worker/products/zombie-digest.ts, from the tenant's daily
 * housekeeping timer): one `zombie_products` alert per (team, month), ever. `teamId` null: products without an owner.
 */
export interface ZombieDigestSignal {
  type: "products.zombie_digest";
  tenantId: string;
  teamId: string | null;
  teamName: string | null;
  /** "YYYY-MM", UTC. */
  period: string;
  currency: string;
  products: ZombieDigestProduct[];
  at: number;
}

/** A pipeline of an unused-policy message: what its schedule was and becomes (null: paused). */
export interface UnusedPipelineChange {
  name: string;
  from: string;
  to: string | null;
  timezone: string;
}

/**
 * A product's unused policy speaking to its owner team (worker/products/unused-policy.ts, on the tenant's daily check):
 * `notice` — its pipelines will be slowed or paused at `actsAt` unless kept; `applied` — they were; `use_returned` —
 * the product is used again while they are (undo is one click). One `unused_product` alert per (product, phase, `key`).
 */
export interface UnusedProductSignal {
  type: "products.unused_policy";
  tenantId: string;
  phase: "notice" | "applied" | "use_returned";
  productId: string;
  productName: string;
  productTitle: string;
  teamId: string;
  teamName: string | null;
  action: "slow" | "pause";
  slowTo: "daily" | "weekly" | null;
  afterDays: number;
  /** Last day with usage (YYYY-MM-DD); null: never used. */
  lastUsedDay: string | null;
  /** For a notice: when the action follows unless kept. */
  actsAt: number | null;
  pipelines: UnusedPipelineChange[];
  /** Pipelines of the product left alone, and why (they also feed a used product, already run rarely…). */
  leftAlone: Array<{ name: string; reason: string }>;
  /** The product page, where Keep and Undo are; null when the dashboard's address is not configured. */
  productUrl: string | null;
  /** When the notice was given or the action taken: one alert per occasion. */
  key: number;
  at: number;
}

/** Budgets (worker/queues/signals.ts, sent by worker/costs/budgets-service.ts): one alert per (budget, period, threshold), ever. */
export type BudgetThresholdSignal = BudgetThresholdCrossedSignal;

export type ExternalSignal = BudgetThresholdSignal | QualityCheckSignal | ZombieDigestSignal | UnusedProductSignal;

export type NotifyMessage = EngineSignal | ExternalSignal | AlertDeliveryMessage | DatasetsUpdatedSignal;

/**
 * Payloads of the Durable Object watches alerting arms with `setWatch` (they come back as `engine.watch_due`).
 * Keys: `alert-freshness:<dataset>`, `alert-freshness-recheck:<dataset>`, `alert-escalate:<alert>`, `alert-deliver:<delivery>`.
 */
export type AlertWatchPayload =
  | { kind: "freshness"; datasetId: string; deadline: number }
  | { kind: "freshness_recheck"; datasetId: string }
  | { kind: "escalate"; alertId: string; level: number }
  | { kind: "deliver"; deliveryId: string };

/** The `notify` queue, or anything that accepts its messages the same way (tests record them). */
export interface NotifySender {
  sendBatch(messages: Iterable<MessageSendRequest<NotifyMessage>>): Promise<unknown>;
}
