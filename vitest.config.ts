import { cloudflareTest, readD1Migrations } from "@cloudflare/vitest-pool-workers";
import { defineConfig } from "vitest/config";

// A fixed key for tests only; real deployments set TUTTI_MASTER_KEY as a secret.
const TEST_MASTER_KEY = "1:AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=";

export default defineConfig(async () => {
  const migrations = await readD1Migrations("./migrations");
  return {
    plugins: [
      cloudflareTest({
        wrangler: { configPath: "./wrangler.toml" },
        miniflare: {
          bindings: {
            TEST_MIGRATIONS: migrations,
            TUTTI_MASTER_KEY: TEST_MASTER_KEY,
            TUTTI_ENV: "test",
            RATE_LIMIT_SIGNUP_PER_HOUR: "100000",
            // Alert deliveries retry through the queue's own delays, which tests cannot skip: retry at once.
            ALERT_RETRY_BASE_SECONDS: "0",
          },
        },
      }),
    ],
    test: {
      globalSetup: ["./test/helpers/global-setup.ts"],
      testTimeout: 30_000,
      hookTimeout: 30_000,
      // Importing `cloudflare:test` loads the whole Worker into each file's isolate (seconds per file), so only
      // the integration tests, which need its bindings and migrations, pay for it; pure unit tests skip it.
      projects: [
        { extends: true as const, test: { name: "unit", include: ["test/unit/**/*.test.ts"] } },
        { extends: true as const, test: { name: "integration", include: ["test/integration/**/*.test.ts"], setupFiles: ["./test/helpers/setup.ts"] } },
      ],
    },
  };
});
