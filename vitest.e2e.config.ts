import { defineConfig } from "vitest/config";

// Browser end-to-end tests: Node drives Chromium against a real `wrangler dev` (see test/e2e/global-setup.ts).
// Not the workers pool: these tests run outside workerd and talk to the Worker over HTTP.
export default defineConfig({
  test: {
    include: ["test/e2e/**/*.e2e.test.ts"],
    environment: "node",
    globalSetup: ["./test/e2e/global-setup.ts"],
    // Three files at a time against the one `wrangler dev` and the one Chromium: a file waits far more than it works
    // (the layer used 210 s of CPU in 261 s of wall at three, 2026-12-07, against 322 s of wall at two), and `faults`
    // and `unused-products`, which wait on their own servers and the real clock, no longer hold up everything after
    // them. Files share nothing in the server or the browser (docs/testing.md). npm test runs this layer alone: beside
    // the workers layer on CI's two cores (2026-12-07) wrangler dev's proxy, starved, answered a POST with "Your
    // worker restarted mid-request".
    maxWorkers: 3,
    testTimeout: 120_000,
    hookTimeout: 180_000,
    // The machine is shared; an API call can take seconds under load. Polls still end at the first match.
    expect: { poll: { timeout: 20_000, interval: 100 } },
  },
});
