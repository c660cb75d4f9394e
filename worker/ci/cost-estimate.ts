import type { ManifestDiff } from "./manifest-diff";

/**
 * The monthly cost change of a pull request, estimated from what production measured: each model's ledger cost per
 * build × how often production builds it. Pure (the route reads the figures, worker/db/repo/lineage/ci-impact.ts),
 * so the rules below are tested without I/O.
 *
 * - A deleted model saves what it cost per build × its builds a month.
 * - A new model costs the median cost per build of the project's models with its materialization (all models when
 *   none has it, or the PR does not say) × the builds a month of the project's production runs.
 * - A model whose materialization changes (a view becoming a table) moves from its own cost per build to the median
 *   of its new materialization, at its own builds a month.
 * - Other modifications (SQL, config) are not priced: their cost after the change is unknown until production runs
 *   them. They stay in the "at stake" figure.
 * Each estimate carries its basis, which the PR comment shows, so a reviewer can judge it.
 */

export const MONTH_DAYS = 30;

/** What production measured for one model over the window, in the report's currency. */
export interface ModelCostStats {
  uniqueId: string;
  materialized: string | null;
  /** Builds (success or error; skipped ones cost nothing) in the window. */
  builds: number;
  costMicros: number;
}

export interface CostEstimateInput {
  windowDays: number;
  /** Production invocations that built models in the window: how often a new model would be built. */
  projectBuilds: number;
  /** The production project's models (the baseline). */
  models: ModelCostStats[];
  changes: ManifestDiff;
}

export type EstimateBasis = "measured" | "median" | "no_history";

export interface CostEstimate {
  unique_id: string;
  name: string;
  change: "deleted" | "new" | "materialization";
  materialized: string | null;
  basis: EstimateBasis;
  /** In words, for the PR comment: where the figures come from. */
  basis_note: string;
  cost_per_build_micros: number | null;
  builds_per_month: number;
  monthly_change_micros: number;
}

const perBuild = (m: ModelCostStats) => m.costMicros / m.builds;

function median(values: number[]): number | null {
  if (!values.length) return null;
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

export function estimateCostChange(input: CostEstimateInput): { estimates: CostEstimate[]; monthly_change_micros: number; builds_per_month: number } {
  const toMonth = (n: number) => Math.round(((n * MONTH_DAYS) / input.windowDays) * 10) / 10;
  const byId = new Map(input.models.map((m) => [m.uniqueId, m]));
  const built = input.models.filter((m) => m.builds > 0);
  const projectPerMonth = toMonth(input.projectBuilds);

  /** The median cost per build of built models with `materialized` (all built models when none or unknown). */
  const medianFor = (materialized: string | null): { micros: number; note: string } | null => {
    const same = materialized ? built.filter((m) => m.materialized === materialized) : [];
    const pool = same.length ? same : built;
    const value = median(pool.map(perBuild));
    if (value === null) return null;
    const what = same.length ? `${materialized} models` : materialized ? `models (no ${materialized} model has history)` : "models (materialization not sent)";
    return { micros: value, note: `median of ${pool.length} ${what}` };
  };

  const estimates: CostEstimate[] = [];
  for (const d of input.changes.removed) {
    if (d.resource_type !== "model") continue;
    const m = byId.get(d.unique_id);
    const has = !!m && m.builds > 0;
    estimates.push({
      unique_id: d.unique_id,
      name: d.name,
      change: "deleted",
      materialized: m?.materialized ?? null,
      basis: has ? "measured" : "no_history",
      basis_note: has ? `measured: ${m!.builds} build(s) in ${input.windowDays} days` : "no production build in the window",
      cost_per_build_micros: has ? Math.round(perBuild(m!)) : null,
      builds_per_month: has ? toMonth(m!.builds) : 0,
      monthly_change_micros: has ? -Math.round((perBuild(m!) * m!.builds * MONTH_DAYS) / input.windowDays) : 0,
    });
  }
  for (const a of input.changes.added) {
    if (a.resource_type !== "model") continue;
    const materialized = a.materialized ?? null;
    const med = medianFor(materialized);
    const priced = !!med && projectPerMonth > 0;
    estimates.push({
      unique_id: a.unique_id,
      name: a.name,
      change: "new",
      materialized,
      basis: priced ? "median" : "no_history",
      basis_note: priced
        ? `${med!.note} × the project's ${projectPerMonth} production build(s) a month`
        : "no production builds of this project to compare with",
      cost_per_build_micros: priced ? Math.round(med!.micros) : null,
      builds_per_month: priced ? projectPerMonth : 0,
      monthly_change_micros: priced ? Math.round(med!.micros * projectPerMonth) : 0,
    });
  }
  for (const c of input.changes.modified) {
    const m = byId.get(c.unique_id);
    const next = c.materialized ?? null;
    if (c.resource_type !== "model" || !m || !next || !m.materialized || next === m.materialized) continue;
    const med = medianFor(next);
    const priced = m.builds > 0 && !!med;
    const perMonth = toMonth(m.builds);
    estimates.push({
      unique_id: c.unique_id,
      name: c.name,
      change: "materialization",
      materialized: next,
      basis: priced ? "median" : "no_history",
      basis_note: priced
        ? `${m.materialized} → ${next}: ${med!.note} instead of its measured ${(perBuild(m) / 1e6).toFixed(4)} a build, × its ${perMonth} build(s) a month`
        : `${m.materialized} → ${next}: no production history to compare with`,
      cost_per_build_micros: priced ? Math.round(med!.micros) : null,
      builds_per_month: priced ? perMonth : 0,
      monthly_change_micros: priced ? Math.round((med!.micros - perBuild(m)) * perMonth) : 0,
    });
  }
  return { estimates, monthly_change_micros: estimates.reduce((s, e) => s + e.monthly_change_micros, 0), builds_per_month: projectPerMonth };
}
