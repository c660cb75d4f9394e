import { applyD1Migrations, env } from "cloudflare:test";
import worker from "../../worker/index";
import { beforeEach } from "vitest";
import { installQueueTracking } from "./queue-tracking";
import { forgetTestTenants } from "./wait";

// Applies migrations once per isolate; applyD1Migrations skips those already applied.
await applyD1Migrations(env.DB, env.TEST_MIGRATIONS);
// Before any test sends a message: drain() (wait.ts) counts every message from its send to its settlement.
installQueueTracking(env.NOTIFY, worker);
// drain() waits for the tenants the running test signed up.
beforeEach(forgetTestTenants);
