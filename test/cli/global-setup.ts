/**
 * The CLI tests drive `main()` against a real Tutti: one `wrangler dev` with a throwaway state for the whole run
 * (test/e2e/helpers/wrangler.ts), its log beside the e2e artifacts.
 */
import { mkdirSync, rmSync } from "node:fs";
import { join } from "node:path";
import type { TestProject } from "vitest/node";
import { artifactsDir } from "../e2e/helpers/artifacts";
import { startWrangler } from "../e2e/helpers/wrangler";

export default async function setup(project: TestProject) {
  mkdirSync(artifactsDir, { recursive: true });
  const logPath = join(artifactsDir, "wrangler-dev-cli.log");
  rmSync(logPath, { force: true });
  const server = await startWrangler({ logPath });
  project.provide("baseUrl", server.baseUrl);
  project.provide("serverLogPath", logPath);
  return () => server.close();
}
