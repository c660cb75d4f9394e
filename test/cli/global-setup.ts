/**
 * The CLI tests run the built `tutti` (cli/dist/tutti.mjs, built here from the current sources so they never test a
 * stale bundle) against a real Tutti: one `wrangler dev` with a throwaway state for the whole run
 * (test/e2e/helpers/wrangler.ts), its log beside the e2e artifacts.
 */
import { mkdirSync, rmSync } from "node:fs";
import { join } from "node:path";
import type { TestProject } from "vitest/node";
import { artifactsDir } from "../e2e/helpers/artifacts";
import { repoRoot, runNode } from "../e2e/helpers/processes";
import { startWrangler } from "../e2e/helpers/wrangler";

export default async function setup(project: TestProject) {
  await runNode(join(repoRoot, "scripts/build-cli.mjs"), []);
  mkdirSync(artifactsDir, { recursive: true });
  const logPath = join(artifactsDir, "wrangler-dev-cli.log");
  rmSync(logPath, { force: true });
  const server = await startWrangler({ logPath });
  project.provide("baseUrl", server.baseUrl);
  project.provide("serverLogPath", logPath);
  return () => server.close();
}
