import { DurableObject } from "cloudflare:workers";
import type { Env } from "../env";
import { systemClock, type Clock } from "../lib/time";

export interface LimitHit {
  allowed: boolean;
  /** Milliseconds until the current window ends (when a refused caller may try again). */
  retryAfterMs: number;
}

/**
 * One per tenant: fixed-window request counters for the tenant's rate limits (middleware/tenant-rate-limit.ts).
 * Counts live in memory only: they matter for a minute, and a restarted object merely starts a fresh window. Kept
 * apart from TenantRuns so a flood of requests never queues behind (or in front of) the run engine.
 */
export class TenantLimits extends DurableObject<Env> {
  clock: Clock = systemClock;
  private readonly windows = new Map<string, { start: number; count: number }>();

  /** Counts one request against `key` and says whether it fits `limit` per `windowMs`; refused requests are not counted. */
  async hit(key: string, limit: number, windowMs: number): Promise<LimitHit> {
    const now = this.clock.now();
    const start = Math.floor(now / windowMs) * windowMs;
    const retryAfterMs = start + windowMs - now;
    let window = this.windows.get(key);
    if (!window || window.start !== start) {
      this.prune(start);
      window = { start, count: 0 };
      this.windows.set(key, window);
    }
    if (window.count >= limit) return { allowed: false, retryAfterMs };
    window.count++;
    return { allowed: true, retryAfterMs };
  }

  /** Drops windows that ended, so a tenant's many tokens do not accumulate counters. */
  private prune(currentStart: number) {
    for (const [key, w] of this.windows) if (w.start < currentStart) this.windows.delete(key);
  }
}
