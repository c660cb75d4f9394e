import type { QualityStatus } from "../db/schema/enums";

/**
 * The facts a dataset's health is read from, each defined once for every page that shows it (the dataset page,
 * product scorecards): how long Tutti has known the dataset, and what its latest quality checks say.
 */

/** Quality counts each check's latest result of this window, on a dataset as on a product's scorecard. */
export const QUALITY_WINDOW_MS = 30 * 86_400_000;

/** The oldest check result that still counts at `now`. */
export const qualitySince = (now: number) => now - QUALITY_WINDOW_MS;

/**
 * When the dataset was first seen: its catalog row's creation, or the earliest run that read or wrote it when that
 * is older (events arrive late and backfills replay history), so no page lists activity from before "first seen".
 */
export function datasetFirstSeenAt(createdAt: number, earliestActivityAt: number | null): number {
  return earliestActivityAt !== null && earliestActivityAt < createdAt ? earliestActivityAt : createdAt;
}

export const checkStates = ["failing", "warning", "passing", "no_checks"] as const;
export type CheckState = (typeof checkStates)[number];

export interface CheckSummary {
  /** Checks with a latest result other than skipped. */
  checks: number;
  passing: number;
  warning: number;
  /** Latest result fail or error. */
  failing: number;
  state: CheckState;
}

/** Summary of the latest result of each check (one status per check and column): a failing check outweighs a warning. */
export function summarizeChecks(latest: readonly QualityStatus[]): CheckSummary {
  let passing = 0;
  let warning = 0;
  let failing = 0;
  for (const s of latest) {
    if (s === "pass") passing++;
    else if (s === "warn") warning++;
    else if (s === "fail" || s === "error") failing++;
  }
  const checks = passing + warning + failing;
  const state: CheckState = failing ? "failing" : warning ? "warning" : checks ? "passing" : "no_checks";
  return { checks, passing, warning, failing, state };
}
