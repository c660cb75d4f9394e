import { defineConfig } from "vitest/config";

// The CLI runs on Node (node:util parseArgs, node:fs), which workerd does not provide: its tests run on Node too,
// against a real Tutti under `wrangler dev` (test/cli/global-setup.ts) and the tool fakes.
export default defineConfig({
  test: {
    include: ["test/cli/**/*.test.ts"],
    environment: "node",
    globalSetup: ["./test/cli/global-setup.ts"],
    // One server for every file, one file at a time: two at once on CI's two cores were no faster (2026-12-07), as the
    // operator scripts' `wrangler d1` processes are CPU-bound.
    fileParallelism: false,
    testTimeout: 90_000,
    hookTimeout: 180_000,
  },
});
