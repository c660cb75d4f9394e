import { defineConfig } from "vitest/config";

// The CLI runs on Node (node:util parseArgs, node:fs), which workerd does not provide: its tests run on Node too,
// against a real Tutti under `wrangler dev` (test/cli/global-setup.ts) and the tool fakes.
export default defineConfig({
  test: {
    include: ["test/cli/**/*.test.ts"],
    environment: "node",
    globalSetup: ["./test/cli/global-setup.ts"],
    // One server for every file, two files at a time: each works in its own workspace (or its own throwaway D1 for
    // the operator scripts) and spends most of its time waiting on the CLI's processes and the server.
    maxWorkers: 2,
    testTimeout: 90_000,
    hookTimeout: 180_000,
  },
});
