import { defineConfig } from "vitest/config";

// Browser end-to-end tests: Node drives Chromium against a real `wrangler dev` (see test/e2e/global-setup.ts).
// Not the workers pool: these tests run outside workerd and talk to the Worker over HTTP.
export default defineConfig({
  test: {
    include: ["test/e2e/**/*.e2e.test.ts"],
    environment: "node",
    globalSetup: ["./test/e2e/global-setup.ts"],
    // Two files at a time against the one `wrangler dev`, each with its own Chromium and its own workspaces (a file
    // signs up its own tenants; nothing it checks is read across tenants). A file spends most of its wall time waiting
    // for the server, its runs and its pages (docs/testing.md, "Where the time goes"); `npm test` runs this layer
    // beside the checks and the workers layer, so more at once would only crowd the two cores.
    maxWorkers: 2,
    testTimeout: 120_000,
    hookTimeout: 180_000,
    // The machine is shared; an API call can take seconds under load. Polls still end at the first match.
    expect: { poll: { timeout: 20_000, interval: 100 } },
  },
});
