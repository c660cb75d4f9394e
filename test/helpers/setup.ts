import { env } from "cloudflare:test";
import worker from "../../worker/index";
import { beforeEach } from "vitest";
import { applySchema } from "./migrations";
import { installQueueTracking } from "./queue-tracking";
import { forgetTestTenants } from "./wait";

// A runtime starts with empty databases: the control database and every shard get the schema the migrations end in
// (test/config/squashed-schema.ts; migrations-squashed.test.ts checks it against the real chain). In the
// integration-shared project later files find it there already.
const migrated = await env.DB.prepare("SELECT 1 FROM sqlite_master WHERE name = 'd1_migrations'").first();
if (!migrated) await Promise.all([env.DB, env.SHARD_1, env.SHARD_2].map((d1) => applySchema(d1, env.TEST_SCHEMA, env.TEST_MIGRATIONS)));
// Before any test sends a message: drain() (wait.ts) counts every message from its send to its settlement.
installQueueTracking(env.NOTIFY, worker);
// drain() waits for the tenants the running test signed up.
beforeEach(forgetTestTenants);
