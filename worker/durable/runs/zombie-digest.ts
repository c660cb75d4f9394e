import { errorFields, log } from "../../lib/log";
import { sendZombieDigests } from "../../products/zombie-digest";
import type { RunsCore } from "./core";

/**
 * The monthly zombie digest is checked once a day on the tenant's own alarm (one timer row, `zombie-digest`), like
 * retention: worker/products/zombie-digest.ts decides whether a team is due its digest this month. A failed pass is
 * tried again within the hour; nothing it sent is sent twice (one alert per team and month).
 */
export const ZOMBIE_DIGEST_KEY = "zombie-digest";
const DAY_MS = 86_400_000;
/** The first check after the timer is armed (a new tenant, or one from before the digest) comes this soon. */
const FIRST_PASS_MS = 60_000;
const RETRY_MS = 60 * 60_000;

/** Gives the object its digest timer when it has none; true when it set one (the caller re-arms the alarm). */
export function ensureZombieDigestTimer(core: RunsCore): boolean {
  if (core.store.getTimer(ZOMBIE_DIGEST_KEY)) return false;
  core.store.setTimer(ZOMBIE_DIGEST_KEY, core.now() + FIRST_PASS_MS, { type: "zombie_digest" }, null);
  return true;
}

/** One daily check, then the timer for the next. */
export async function runZombieDigest(core: RunsCore) {
  const tenantId = core.tenantId();
  let next = core.now() + RETRY_MS;
  try {
    const sent = await sendZombieDigests(core.env, tenantId, core.now());
    if (sent.length) log.with({ tenantId }).info("zombie digests sent", { teams: sent.length });
    next = core.now() + DAY_MS;
  } catch (err) {
    log.with({ tenantId }).error("zombie digest failed; retried later", errorFields(err));
  }
  core.store.setTimer(ZOMBIE_DIGEST_KEY, next, { type: "zombie_digest" }, null);
}
