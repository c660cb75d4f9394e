import { env } from "cloudflare:test";
import worker from "../../worker/index";
import { beforeEach } from "vitest";
import { applyMigrations } from "./migrations";
import { installQueueTracking } from "./queue-tracking";
import { forgetTestTenants } from "./wait";

// Each file's runtime starts with an empty D1.
await applyMigrations(env.DB, env.TEST_MIGRATIONS);
// Before any test sends a message: drain() (wait.ts) counts every message from its send to its settlement.
installQueueTracking(env.NOTIFY, worker);
// drain() waits for the tenants the running test signed up.
beforeEach(forgetTestTenants);
