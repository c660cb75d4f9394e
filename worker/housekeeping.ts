import { sweepEndedCredentials } from "./db/repo/accounts/users";
import type { Env } from "./env";
import { LOGIN_THROTTLE_QUIET_MS } from "./middleware/login-throttle";
import { log } from "./lib/log";
import { resumeStalledTenantJobs } from "./queues/tenant-data";
import { controlDb } from "./db/shards";

/**
 * The Worker's cron (wrangler.toml `[triggers]`): deletes ended sessions and stale login throttles (lookups
 * already refuse them; this keeps the tables from growing with sessions nobody comes back to), and resends the next
 * step of tenant exports and deletions whose step messages were lost or kept failing.
 */
export async function runHousekeeping(env: Env, now: number) {
  const swept = await sweepEndedCredentials(controlDb(env), now, LOGIN_THROTTLE_QUIET_MS);
  const resumedTenantJobs = await resumeStalledTenantJobs(env, now);
  log.info("housekeeping", { ...swept, resumedTenantJobs });
  return swept;
}
