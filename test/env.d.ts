import type { D1Migration } from "@cloudflare/vitest-pool-workers";

/** Bindings only the test pool sets (vitest.config.ts and the pinned-clock runs); the Worker's own are in worker/env.ts. */
declare global {
  namespace Cloudflare {
    interface Env {
      TEST_MIGRATIONS: D1Migration[];
      /** The schema the migrations end in (test/config/squashed-schema.ts), which test/helpers/setup.ts applies. */
      TEST_SCHEMA: string[];
      /** An empty D1 database the Worker does not use (migrations-squashed.test.ts). */
      MIGRATIONS_CHECK: D1Database;
      /** Set by a pinned test run (scripts/test-at.mjs); see test/clock. */
      TUTTI_CLOCK_OFFSET_MS?: string;
      TUTTI_TEST_NOW?: string;
    }
  }
}
