import { createDb } from "./db/client";
import { sweepEndedCredentials } from "./db/repo/accounts/users";
import type { Env } from "./env";
import { LOGIN_THROTTLE_QUIET_MS } from "./middleware/login-throttle";
import { log } from "./lib/log";

/**
 * The Worker's cron (wrangler.toml `[triggers]`): deletes ended sessions and stale login throttles. Lookups
 * already refuse them; this keeps the tables from growing with sessions nobody comes back to.
 */
export async function runHousekeeping(env: Env, now: number) {
  const swept = await sweepEndedCredentials(createDb(env.DB), now, LOGIN_THROTTLE_QUIET_MS);
  log.info("housekeeping", swept);
  return swept;
}
