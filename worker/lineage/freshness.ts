import { Cron } from "croner";
import { nextSlot } from "../engine/cron";

/**
 * Expected freshness of a dataset: "updated by 07:00 Europe/London on weekdays" is the cron `0 7 * * 1-5` in
 * Europe/London with a max age (how recent the last successful write must be at each deadline, default 24 h).
 * Pure: the caller passes the clock and the dataset's last write.
 */
export interface FreshnessPolicy {
  cron: string;
  timezone: string;
  maxAgeMs: number;
}

export const DEFAULT_MAX_AGE_MS = 24 * 3_600_000;

export type FreshnessState = "fresh" | "late" | "unknown";

export interface FreshnessStatus {
  state: FreshnessState;
  /** The deadline the state is judged at: the latest one at or before now. */
  deadline: number | null;
  nextDeadline: number | null;
  lastWriteAt: number | null;
}

/** The latest cron occurrence at or before `now`, in the policy's time zone. */
export function previousDeadline(policy: Pick<FreshnessPolicy, "cron" | "timezone">, now: number): number | null {
  const job = new Cron(policy.cron, { timezone: policy.timezone, mode: "5-part", paused: true });
  const [prev] = job.previousRuns(1, new Date(now + 1));
  return prev ? prev.getTime() : null;
}

/**
 * Fresh when the last write is within max age of the latest deadline; late when it is older (or there is none);
 * unknown before the first deadline has passed.
 */
export function freshnessStatus(policy: FreshnessPolicy, lastWriteAt: number | null, now: number): FreshnessStatus {
  const deadline = previousDeadline(policy, now);
  const nextDeadline = nextSlot(policy.cron, policy.timezone, now);
  if (deadline === null) return { state: "unknown", deadline, nextDeadline, lastWriteAt };
  const fresh = lastWriteAt !== null && lastWriteAt >= deadline - policy.maxAgeMs;
  return { state: fresh ? "fresh" : "late", deadline, nextDeadline, lastWriteAt };
}

/** Throws croner's message when the cron or time zone is invalid. */
export function assertValidPolicy(policy: Pick<FreshnessPolicy, "cron" | "timezone">): void {
  new Cron(policy.cron, { timezone: policy.timezone, mode: "5-part", paused: true }).nextRun();
}
