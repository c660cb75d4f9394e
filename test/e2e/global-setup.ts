/**
 * Starts one `wrangler dev` for the e2e run (test/e2e/helpers/wrangler.ts): a fresh temporary state, a throwaway
 * master key. The dashboard must already be built (npm test runs build:web first).
 */
import { mkdirSync, rmSync } from "node:fs";
import type { TestProject } from "vitest/node";
import { artifactsDir, serverLogPath } from "./helpers/artifacts";
import { startWrangler } from "./helpers/wrangler";

declare module "vitest" {
  export interface ProvidedContext {
    baseUrl: string;
    /** wrangler dev's output, so tests can check that no secret was ever logged. */
    serverLogPath: string;
  }
}

export default async function setup(project: TestProject) {
  mkdirSync(artifactsDir, { recursive: true });
  rmSync(serverLogPath, { force: true });
  const server = await startWrangler({ logPath: serverLogPath });
  project.provide("baseUrl", server.baseUrl);
  project.provide("serverLogPath", serverLogPath);
  return () => server.close();
}
