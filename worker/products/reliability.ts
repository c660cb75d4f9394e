import { Cron } from "croner";
import type { FreshnessPolicy } from "../lineage/freshness";

/**
 * When a product was last brought up to date: as up to date as its stalest member dataset that has ever been
 * written (its data is what its datasets hold, so the product never reads fresher than one of them, whatever its
 * pipelines did since). A product none of whose datasets was ever written — or that has none — falls back to its
 * pipelines: as fresh as the least recently successful one (all of them feed it). Null when nothing succeeded yet.
 */
export function productUpdatedAt(pipelineSuccesses: Array<number | null>, datasetWrites: Array<number | null>): number | null {
  const written = datasetWrites.filter((t): t is number => t !== null);
  if (written.length) return Math.min(...written);
  if (pipelineSuccesses.length) return pipelineSuccesses.some((t) => t === null) ? null : Math.min(...(pipelineSuccesses as number[]));
  return null;
}

/** Most deadlines one attainment check looks at (an every-minute cron over 30 days is far beyond any SLA). */
const MAX_DEADLINES = 2000;

export interface Attainment {
  deadlines: number;
  met: number;
  rate: number | null;
  /** The deadlines that were missed (epoch ms, ascending), so a day-by-day view can show which days they fell on. */
  missedAt: number[];
}

/**
 * Share of the freshness deadlines in (since, now] that were met: some successful update happened within max age
 * before the deadline. `updates` must be sorted ascending.
 */
export function slaAttainment(policy: FreshnessPolicy, updates: number[], since: number, now: number): Attainment {
  const job = new Cron(policy.cron, { timezone: policy.timezone, mode: "5-part", paused: true });
  let deadlines = 0;
  let met = 0;
  const missedAt: number[] = [];
  let cursor = new Date(since);
  while (deadlines < MAX_DEADLINES) {
    const next = job.nextRun(cursor);
    if (!next || next.getTime() > now) break;
    const d = next.getTime();
    deadlines++;
    if (hasUpdateWithin(updates, d - policy.maxAgeMs, d)) met++;
    else missedAt.push(d);
    cursor = next;
  }
  return { deadlines, met, rate: deadlines ? met / deadlines : null, missedAt };
}

/** Binary search: is there an update in [from, to]? */
function hasUpdateWithin(sorted: number[], from: number, to: number): boolean {
  let lo = 0;
  let hi = sorted.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (sorted[mid] < from) lo = mid + 1;
    else hi = mid;
  }
  return lo < sorted.length && sorted[lo] <= to;
}
