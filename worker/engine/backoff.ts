export interface RetryPolicy {
  /** Retries after the first attempt; 0 = no retry. */
  max: number;
  backoff: "fixed" | "exponential";
  delayMs: number;
  maxDelayMs: number;
  jitter: boolean;
}

/**
 * Delay before attempt `nextAttempt` (2 = first retry). Exponential doubles per retry up to maxDelayMs;
 * jitter spreads it over [75 %, 100 %] so retries of many tasks failing together do not stampede.
 */
export function retryDelayMs(policy: RetryPolicy, nextAttempt: number, random: () => number): number {
  const retryIndex = Math.max(0, nextAttempt - 2);
  const base = policy.backoff === "exponential" ? policy.delayMs * 2 ** retryIndex : policy.delayMs;
  const capped = Math.min(base, policy.maxDelayMs);
  return policy.jitter ? Math.round(capped * (0.75 + 0.25 * random())) : capped;
}
