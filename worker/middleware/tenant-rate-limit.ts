import type { Context } from "hono";
import { createMiddleware } from "hono/factory";
import type { AppEnv } from "../context";
import { tenantCtx } from "../db/client";
import { markRetentionArmed } from "../db/repo/platform/retention";
import { quotaState } from "../db/repo/platform/storage-usage";
import { tenantLimits, tenantRuns } from "../durable/client";
import { unwrap } from "../durable/result";
import type { Env } from "../env";
import { ApiError } from "../lib/errors";
import type { Principal } from "../lib/principal";
import { errorFields } from "../lib/log";
import { requestLog } from "../lib/request";
import { raiseHint } from "../retention/quotas";

/**
 * Defaults of the per-minute limits; RATE_LIMIT_INGEST_PER_MIN and RATE_LIMIT_WRITES_PER_MIN override them for the
 * deployment, and an operator's ingest quota (`npm run quotas -- --ingest-per-minute N`) for one tenant.
 */
export const DEFAULT_INGEST_PER_MIN = 600;
export const DEFAULT_WRITES_PER_MIN = 300;
const WINDOW_MS = 60_000;

/** Routes that take data in bulk from pipelines and tools (POST only): one budget per tenant. */
const ingestPaths = [/^\/api\/v1\/lineage(\/batch)?$/, /^\/api\/v1\/dbt\/artifacts$/, /^\/api\/v1\/(costs|usage|quality)$/];

interface Limit {
  /** What sets it, named in the 429 so the caller knows which limit it hit: the tenant's ingest quota, or the variable. */
  name: "quota.ingest_requests_per_minute" | "RATE_LIMIT_WRITES_PER_MIN";
  key: string;
  max: number;
  per: string;
}

function setting(value: string | undefined, fallback: number): number {
  const n = Number(value);
  return value !== undefined && Number.isInteger(n) && n > 0 ? n : fallback;
}

export const defaultIngestPerMinute = (env: Env) => setting(env.RATE_LIMIT_INGEST_PER_MIN, DEFAULT_INGEST_PER_MIN);

const isIngest = (path: string) => ingestPaths.some((re) => re.test(path));

const ingestLimit = (env: Env, ingestQuota: number | null): Limit => ({
  name: "quota.ingest_requests_per_minute",
  key: "ingest",
  max: ingestQuota ?? defaultIngestPerMinute(env),
  per: "workspace",
});

function limitFor(env: Env, p: Principal, path: string, ingestQuota: number | null): Limit {
  if (isIngest(path)) return ingestLimit(env, ingestQuota);
  return {
    name: "RATE_LIMIT_WRITES_PER_MIN",
    key: `writes:${p.actor.type}:${p.actor.id}`,
    max: setting(env.RATE_LIMIT_WRITES_PER_MIN, DEFAULT_WRITES_PER_MIN),
    per: p.actor.type === "token" ? "API token" : "user",
  };
}

/**
 * For an ingest request: the tenant's ingest quota (null: the deployment's), and, the first time the tenant ingests
 * since retention exists, its retention timer armed in its Durable Object (ingest-only tenants call it nowhere else).
 */
async function ingestQuota(c: Context<AppEnv>, tenantId: string): Promise<number | null> {
  const ctx = tenantCtx(c.get("db"), tenantId, c.get("controlDb"));
  const state = await quotaState(ctx);
  if (!state.retentionArmed) {
    unwrap(await tenantRuns(c.env, tenantId).armRetention(tenantId, false));
    await markRetentionArmed(ctx, c.get("clock").now());
  }
  return state.overrides.ingestPerMinute;
}

/**
 * Per-tenant rate limits on writes, counted in the tenant's TenantLimits object so one tenant cannot use up what
 * the others share: ingest per tenant (its quota), other writes per token or user. Reads are not limited here. Past
 * the limit: 429 `rate_limited` naming the limit and how to raise it, with Retry-After (seconds to the next window).
 */
export const tenantRateLimit = createMiddleware<AppEnv>(async (c, next) => {
  if (c.req.method === "GET" || c.req.method === "HEAD" || c.req.method === "OPTIONS") return next();
  const p = c.get("principal");
  const path = new URL(c.req.url).pathname;
  await enforce(c, p.tenantId, limitFor(c.env, p, path, isIngest(path) ? await ingestQuota(c, p.tenantId) : null));
  return next();
});

/**
 * The tenant's ingest budget for a request authenticated otherwise than by a principal (a pipeline's webhook, signed
 * with its own secret): counted with the tenant's other ingest requests.
 */
export async function enforceIngestLimit(c: Context<AppEnv>, tenantId: string) {
  await enforce(c, tenantId, ingestLimit(c.env, await ingestQuota(c, tenantId)));
}

async function enforce(c: Context<AppEnv>, tenantId: string, limit: Limit) {
  let hit;
  try {
    hit = await tenantLimits(c.env, tenantId).hit(limit.key, limit.max, WINDOW_MS);
  } catch (err) {
    // The counters are a guard, not a dependency: when they cannot answer, the request goes through (and is logged).
    requestLog(c).error("rate limit check failed; request allowed", { limit: limit.name, ...errorFields(err) });
    return;
  }
  if (!hit.allowed) {
    const retryAfter = Math.max(1, Math.ceil(hit.retryAfterMs / 1000));
    const message = `at most ${limit.max} ${limit.key === "ingest" ? "ingest requests" : "writes"} per minute per ${limit.per}`;
    const raise = limit.key === "ingest" ? `; ${raiseHint(tenantId, "--ingest-per-minute")}` : "";
    throw new ApiError("rate_limited", `rate limit reached: ${message}; retry in ${retryAfter} s${raise}`, [{ path: limit.name, message }], {
      "Retry-After": String(retryAfter),
    });
  }
}
