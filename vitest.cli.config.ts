import { defineConfig } from "vitest/config";

// The CLI runs on Node (node:util parseArgs, node:fs), which workerd does not provide: its tests run on Node too,
// against a real Tutti under `wrangler dev` (test/cli/global-setup.ts) and the tool fakes.
export default defineConfig({
  test: {
    include: ["test/cli/**/*.test.ts"],
    environment: "node",
    globalSetup: ["./test/cli/global-setup.ts"],
    // One server for every file, two files at a time. Two at once were no faster on CI's two cores when the operator
    // scripts' CPU-bound `wrangler d1` processes were most of the layer (2026-12-07); since then `tenant:move` waits
    // out the Worker's 30 s shard cache and a margin (about a minute of a CI run doing nothing), which another file's
    // commands can use. Files share only the server, never a tenant or a state folder (each script test has its own).
    maxWorkers: 2,
    testTimeout: 90_000,
    hookTimeout: 180_000,
  },
});
