import { env, listDurableObjectIds, runInDurableObject } from "cloudflare:test";
import { afterAll, beforeAll } from "vitest";

// In the integration-shared project the files run one after another in one runtime (test/config/own-runtime.ts).
// A file's tenants are never used again once it ends, but their Durable Objects would keep their timers — minute
// crons, daily digests, polls — firing through every later file. So a file ends by taking the alarm of each object
// it started; the rows stay, as they would in a real database.
let earlier = new Set<string>();
beforeAll(async () => {
  earlier = new Set((await listDurableObjectIds(env.TENANT_RUNS)).map((id) => id.toString()));
});
afterAll(async () => {
  const started = (await listDurableObjectIds(env.TENANT_RUNS)).filter((id) => !earlier.has(id.toString()));
  await Promise.all(started.map((id) => runInDurableObject(env.TENANT_RUNS.get(id), (_instance, state) => state.storage.deleteAlarm())));
});
