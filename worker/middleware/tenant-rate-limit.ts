import { createMiddleware } from "hono/factory";
import type { AppEnv } from "../context";
import { tenantLimits } from "../durable/client";
import type { Env } from "../env";
import { ApiError } from "../lib/errors";
import type { Principal } from "../lib/principal";
import { errorFields } from "../lib/log";
import { requestLog } from "../lib/request";

/** Defaults of the per-minute limits; RATE_LIMIT_INGEST_PER_MIN and RATE_LIMIT_WRITES_PER_MIN override them. */
export const DEFAULT_INGEST_PER_MIN = 600;
export const DEFAULT_WRITES_PER_MIN = 300;
const WINDOW_MS = 60_000;

/** Routes that take data in bulk from pipelines and tools (POST only): one budget per tenant. */
const ingestPaths = [/^\/api\/v1\/lineage(\/batch)?$/, /^\/api\/v1\/dbt\/artifacts$/, /^\/api\/v1\/(costs|usage|quality)$/];

interface Limit {
  /** The variable that sets it, named in the 429 so the caller knows which limit it hit. */
  name: "RATE_LIMIT_INGEST_PER_MIN" | "RATE_LIMIT_WRITES_PER_MIN";
  key: string;
  max: number;
  per: string;
}

function setting(value: string | undefined, fallback: number): number {
  const n = Number(value);
  return value !== undefined && Number.isInteger(n) && n > 0 ? n : fallback;
}

function limitFor(env: Env, p: Principal, path: string): Limit {
  if (ingestPaths.some((re) => re.test(path))) {
    return { name: "RATE_LIMIT_INGEST_PER_MIN", key: "ingest", max: setting(env.RATE_LIMIT_INGEST_PER_MIN, DEFAULT_INGEST_PER_MIN), per: "workspace" };
  }
  return {
    name: "RATE_LIMIT_WRITES_PER_MIN",
    key: `writes:${p.actor.type}:${p.actor.id}`,
    max: setting(env.RATE_LIMIT_WRITES_PER_MIN, DEFAULT_WRITES_PER_MIN),
    per: p.actor.type === "token" ? "API token" : "user",
  };
}

/**
 * Per-tenant rate limits on writes, counted in the tenant's TenantLimits object so one tenant cannot use up what
 * the others share: ingest per tenant, other writes per token or user. Reads are not limited here. Past the limit:
 * 429 `rate_limited` naming the limit, with Retry-After (seconds to the next window).
 */
export const tenantRateLimit = createMiddleware<AppEnv>(async (c, next) => {
  if (c.req.method === "GET" || c.req.method === "HEAD" || c.req.method === "OPTIONS") return next();
  const p = c.get("principal");
  const limit = limitFor(c.env, p, new URL(c.req.url).pathname);
  let hit;
  try {
    hit = await tenantLimits(c.env, p.tenantId).hit(limit.key, limit.max, WINDOW_MS);
  } catch (err) {
    // The counters are a guard, not a dependency: when they cannot answer, the request goes through (and is logged).
    requestLog(c).error("rate limit check failed; request allowed", { limit: limit.name, ...errorFields(err) });
    return next();
  }
  if (!hit.allowed) {
    const retryAfter = Math.max(1, Math.ceil(hit.retryAfterMs / 1000));
    const message = `at most ${limit.max} ${limit.key === "ingest" ? "ingest requests" : "writes"} per minute per ${limit.per}`;
    throw new ApiError("rate_limited", `rate limit reached: ${message}; retry in ${retryAfter} s`, [{ path: limit.name, message }], {
      "Retry-After": String(retryAfter),
    });
  }
  return next();
});
