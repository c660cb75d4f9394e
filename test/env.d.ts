import type { D1Migration } from "@cloudflare/vitest-pool-workers";
import type { Env as WorkerEnv } from "../worker/env";

declare global {
  namespace Cloudflare {
    interface Env extends WorkerEnv {
      TEST_MIGRATIONS: D1Migration[];
      /** Set by a pinned test run (scripts/test-at.mjs); see test/clock. */
      TUTTI_CLOCK_OFFSET_MS?: string;
      TUTTI_TEST_NOW?: string;
    }
  }
}
