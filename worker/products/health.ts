import type { FreshnessState } from "../lineage/freshness";

/**
 * A product's health at a glance, one definition for the Overview, the product list and the product page: an open
 * alert first, then a late SLA, then runs below their success target, then a zombie (cost and no use in 30 days).
 * Each of these needs attention, the zombie too, so "needing attention" counts every product shown so.
 */
export const productHealthStatuses = ["failed", "late", "warning", "zombie", "healthy", "unknown"] as const;
export type ProductHealthStatus = (typeof productHealthStatuses)[number];

export interface ProductHealthInput {
  openAlerts: number | null;
  freshness: FreshnessState | "no_policy";
  successRate: number | null;
  successRateTarget: number | null;
  zombie: boolean;
}

export interface ProductHealth {
  status: ProductHealthStatus;
  label: string;
  needsAttention: boolean;
}

const health = (status: ProductHealthStatus, label: string): ProductHealth => ({
  status,
  label,
  needsAttention: status !== "healthy" && status !== "unknown",
});

export function productHealth(s: ProductHealthInput): ProductHealth {
  if (s.openAlerts) return health("failed", `${s.openAlerts} open alert${s.openAlerts === 1 ? "" : "s"}`);
  if (s.freshness === "late") return health("late", "Late");
  if (s.successRate !== null && s.successRateTarget !== null && s.successRate < s.successRateTarget) return health("warning", "Below target");
  if (s.zombie) return health("zombie", "Zombie");
  if (s.freshness === "fresh" || (s.successRate ?? 0) > 0) return health("healthy", "Healthy");
  return health("unknown", "No runs yet");
}
