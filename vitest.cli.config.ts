import { defineConfig } from "vitest/config";

// The CLI runs on Node (node:util parseArgs, node:fs), which workerd does not provide: its tests run on Node too.
export default defineConfig({
  test: {
    include: ["test/cli/**/*.test.ts"],
    environment: "node",
  },
});
