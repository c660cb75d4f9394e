import type { Context } from "hono";
import type { AppEnv } from "../context";
import { hitRateLimit } from "../db/repo/platform/rate-limits";
import { ApiError } from "../lib/errors";

/** Throws `rate_limited` (with Retry-After) once `key` has been hit more than `limit` times in the window. */
export async function enforceRateLimit(c: Context<AppEnv>, key: string, limit: number, windowMs: number) {
  const now = c.get("clock").now();
  const count = await hitRateLimit(c.get("controlDb"), key, windowMs, now);
  if (count > limit) {
    const retryAfter = Math.ceil((Math.floor(now / windowMs) * windowMs + windowMs - now) / 1000);
    throw new ApiError("rate_limited", "too many attempts; try again later", [], { "Retry-After": String(retryAfter) });
  }
}
