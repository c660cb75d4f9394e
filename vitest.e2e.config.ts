import { defineConfig } from "vitest/config";

// Browser end-to-end tests: Node drives Chromium against a real `wrangler dev` (see test/e2e/global-setup.ts).
// Not the workers pool: these tests run outside workerd and talk to the Worker over HTTP.
export default defineConfig({
  test: {
    include: ["test/e2e/**/*.e2e.test.ts"],
    environment: "node",
    globalSetup: ["./test/e2e/global-setup.ts"],
    // One file at a time against the one `wrangler dev`: with two at once beside the other layers on CI's two cores
    // (2026-12-07), wrangler dev's proxy answered a POST with "Your worker restarted mid-request" (docs/testing.md).
    fileParallelism: false,
    testTimeout: 120_000,
    hookTimeout: 180_000,
    // The machine is shared; an API call can take seconds under load. Polls still end at the first match.
    expect: { poll: { timeout: 20_000, interval: 100 } },
  },
});
