import { cloudflareTest, readD1Migrations } from "@cloudflare/vitest-pool-workers";
import { defineConfig } from "vitest/config";
import { unstable_readConfig } from "wrangler";
import { bareImports } from "./test/helpers/bare-imports";
import type { QueueConsumerConfig } from "./test/helpers/queue-tracking";
import { squashedSchema } from "./test/config/squashed-schema";
import { ownRuntime } from "./test/config/own-runtime";
import { workerBundle } from "./test/config/worker-bundle";

// A fixed key for tests only; real deployments set TUTTI_MASTER_KEY as a secret.
const TEST_MASTER_KEY = "1:AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=";

export default defineConfig(async () => {
  const migrations = await readD1Migrations("./migrations");
  // The schema the chain ends in, computed once here: each file creates its three databases from it in one batch
  // instead of replaying every migration in each (test/helpers/migrations.ts, docs/testing.md).
  const schema = squashedSchema(migrations);
  // drain() (test/helpers/wait.ts) needs each queue's retries and dead-letter queue to know when a message is settled.
  const wrangler = unstable_readConfig({ config: "./wrangler.toml" });
  const queueConsumers = (wrangler.queues.consumers ?? []).map(({ queue, max_retries, dead_letter_queue }: QueueConsumerConfig) => ({
    queue,
    max_retries,
    dead_letter_queue,
  }));
  // The Worker as one module in each file's runtime instead of ~800 (test/config/worker-bundle.ts).
  const bundled = await workerBundle(import.meta.dirname);
  const workers = (bindings: Record<string, string> = {}) => [
    bundled,
    cloudflareTest({
      wrangler: { configPath: "./wrangler.toml" },
      miniflare: {
        bindings: {
          TEST_MIGRATIONS: migrations,
          TEST_SCHEMA: schema,
          TUTTI_MASTER_KEY: TEST_MASTER_KEY,
          TUTTI_ENV: "test",
          // Tenants on two shards besides the control database, as wrangler.toml has them (worker/db/shards.ts);
          // TUTTI_TEST_SHARDS="" runs a file on one database, control and shard at once (a deployment from before shards).
          TENANT_SHARDS: process.env.TUTTI_TEST_SHARDS ?? "SHARD_1,SHARD_2",
          RATE_LIMIT_SIGNUP_PER_HOUR: "100000",
          // The suites sign up hundreds of users; a full-cost hash each costs minutes. Honoured only where TUTTI_ENV is test/e2e.
          TEST_PASSWORD_HASH_ITERATIONS: "1000",
          // Tests write far faster than any client; the rate-limits project sets small limits for its own file.
          RATE_LIMIT_INGEST_PER_MIN: "100000",
          RATE_LIMIT_WRITES_PER_MIN: "100000",
          // Alert deliveries retry through the queue's own delays, which tests cannot skip: retry at once.
          ALERT_RETRY_BASE_SECONDS: "0",
          // A pinned run (scripts/test-at.mjs) shifts the clock of the whole isolate (test/clock/setup-workerd.ts).
          TUTTI_CLOCK_OFFSET_MS: process.env.TUTTI_CLOCK_OFFSET_MS ?? "0",
          TUTTI_TEST_NOW: process.env.TUTTI_TEST_NOW ?? "",
          ...bindings,
        },
        // An empty database beside the Worker's, where test/integration/migrations-squashed.test.ts replays the chain.
        d1Databases: ["MIGRATIONS_CHECK"],
      },
    }),
  ];
  // Pure unit tests need the runtime, not the Worker: without the wrangler config the pool does not load the whole
  // Worker (main module, Durable Objects, D1, queues) into each file's runtime, which cost ~2 s of CPU per file.
  const runtimeOnly = () =>
    cloudflareTest({
      miniflare: {
        compatibilityDate: wrangler.compatibility_date,
        compatibilityFlags: wrangler.compatibility_flags,
        bindings: { TUTTI_CLOCK_OFFSET_MS: process.env.TUTTI_CLOCK_OFFSET_MS ?? "0" },
      },
    });
  const shared = { globalSetup: ["./test/helpers/global-setup.ts"], setupFiles: ["./test/clock/setup-workerd.ts"], testTimeout: 30_000, hookTimeout: 30_000 };
  const rateLimitTests = "test/integration/rate-limits.test.ts";
  // Engine files whose runs must behave the same whichever way tools are called (see the dispatch-mode projects).
  const dispatchModeTests = [
    "test/integration/engine.test.ts",
    "test/integration/engine-reruns.test.ts",
    "test/integration/engine-sensors.test.ts",
    "test/integration/engine-sql-sensors.test.ts",
    "test/integration/engine-pools.test.ts",
  ];
  // Every integration file's runtime loads the whole Worker through Vite's module runner, one module per request over
  // a WebSocket: ~620 of its ~1,370 modules are npm packages (zod, drizzle-orm, yaml, @simplewebauthn's ASN.1 stack).
  // Pre-bundled, each package is one module (cached in node_modules/.vite between runs). docs/testing.md has the numbers.
  const prebundled = bareImports(".", ["worker", "test/helpers", "test/integration", "test/clock"]);
  const integration = {
    ...shared,
    setupFiles: [...shared.setupFiles, "./test/helpers/setup.ts"],
    provide: { queueConsumers },
    deps: { optimizer: { ssr: { enabled: true, include: prebundled } } },
  };
  return {
    test: {
      // Vitest's default on 2 cores is one file at a time, but a file spends much of its time waiting (workerd start,
      // queue deliveries, alarms, the fake tools), so two at once finish the suite sooner. Files share only the fake
      // tools, which key everything by ids no other test uses (test/helpers/tool-fakes.ts).
      maxWorkers: 2,
      projects: [
        // css.include: the design-token test reads app.css as text (?raw), which Vitest otherwise empties.
        // isolate: false — pure-logic files share one runtime instead of starting one each (64 s -> 17 s for 76 files):
        // they hold no Worker, database or alarm that one file could leave behind for the next.
        {
          plugins: [runtimeOnly()],
          test: { ...shared, name: "unit", isolate: false, include: ["test/unit/**/*.test.ts"], css: { include: [/web\/src\/app\.css/] } },
        },
        // Files that need a runtime of their own, and the rest, which run one after another in one runtime per
        // worker without each starting its own (test/config/own-runtime.ts says which and why).
        { plugins: workers(), test: { ...integration, name: "integration", include: ownRuntime } },
        {
          plugins: workers(),
          test: {
            ...integration,
            name: "integration-shared",
            isolate: false,
            setupFiles: [...integration.setupFiles, "./test/helpers/setup-shared.ts"],
            include: ["test/integration/**/*.test.ts"],
            exclude: [rateLimitTests, ...ownRuntime],
          },
        },
        // Per-tenant rate limits, with limits small enough to reach in a few requests (the window is moved by the test).
        {
          plugins: workers({ RATE_LIMIT_INGEST_PER_MIN: "3", RATE_LIMIT_WRITES_PER_MIN: "4" }),
          test: { ...integration, name: "rate-limits", include: [rateLimitTests] },
        },
        // The engine's runs again with each override of the default dispatch mode (hybrid): the tenant's Durable Object
        // calling every tool itself (DISPATCH_MODE=inline), and every call going through the dispatch queue (queue).
        { plugins: workers({ DISPATCH_MODE: "inline" }), test: { ...integration, name: "inline-dispatch", include: dispatchModeTests } },
        { plugins: workers({ DISPATCH_MODE: "queue" }), test: { ...integration, name: "queue-dispatch", include: dispatchModeTests } },
      ],
    },
  };
});
