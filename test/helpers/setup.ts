import { env } from "cloudflare:test";
import worker from "../../worker/index";
import { beforeEach } from "vitest";
import { applyMigrations } from "./migrations";
import { installQueueTracking } from "./queue-tracking";
import { forgetTestTenants } from "./wait";

// Each file's runtime starts with empty databases: the control database and every shard get the same migrations.
await Promise.all([env.DB, env.SHARD_1, env.SHARD_2].map((d1) => applyMigrations(d1, env.TEST_MIGRATIONS)));
// Before any test sends a message: drain() (wait.ts) counts every message from its send to its settlement.
installQueueTracking(env.NOTIFY, worker);
// drain() waits for the tenants the running test signed up.
beforeEach(forgetTestTenants);
