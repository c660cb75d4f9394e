import { errorFields, log } from "../../lib/log";
import { runUnusedPolicies } from "../../products/unused-policy";
import { sendZombieDigests } from "../../products/zombie-digest";
import type { RunsCore } from "./core";
import { resyncPipelines } from "./scheduling";

/**
 * The monthly zombie digest is checked once a day on the tenant's own alarm (one timer row, `zombie-digest`), like
 * retention: worker/products/zombie-digest.ts decides whether a team is due its digest this month. A failed pass is
 * tried again within the hour; nothing it sent is sent twice (one alert per team and month). The same daily check runs
 * products' unused policies ("run only what is used", worker/products/unused-policy.ts) and reschedules the pipelines
 * they slowed or paused; each pass is safe to repeat, so a failure of either retries both.
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
  let failed = false;
  try {
    const sent = await sendZombieDigests(core.env, tenantId, core.now());
    if (sent.length) log.with({ tenantId }).info("zombie digests sent", { teams: sent.length });
  } catch (err) {
    failed = true;
    log.with({ tenantId }).error("zombie digest failed; retried later", errorFields(err));
  }
  try {
    const { changed, inEffect } = await runUnusedPolicies(core.env, tenantId, core.now());
    await resyncPipelines(core, tenantId, [...new Set([...changed, ...inEffect])]);
    if (changed.length) log.with({ tenantId }).info("unused products: pipelines slowed or paused", { pipelines: changed.length });
  } catch (err) {
    failed = true;
    log.with({ tenantId }).error("unused-product policies failed; retried later", errorFields(err));
  }
  core.store.setTimer(ZOMBIE_DIGEST_KEY, core.now() + (failed ? RETRY_MS : DAY_MS), { type: "zombie_digest" }, null);
}
