/**
 * The Worker with the pinned test clock, for `wrangler dev` in the e2e and CLI layers when a run is pinned
 * (scripts/test-at.mjs). The shift happens when this module loads, before the Worker's own modules run; the
 * production entry (worker/index.ts) knows nothing of it.
 */
import { env } from "cloudflare:workers";
import { clockOffsetMs, shiftDate } from "./shift-date.mjs";

shiftDate(clockOffsetMs(env.TUTTI_CLOCK_OFFSET_MS));

export * from "../../worker/index";
export { default } from "../../worker/index";
