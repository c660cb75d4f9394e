/**
 * Starts one `wrangler dev` for the e2e run (test/e2e/helpers/wrangler.ts): a fresh temporary state, a throwaway
 * master key; and one Chromium, which each file connects to. The dashboard must already be built (npm test runs build:web first).
 */
import { mkdirSync, rmSync } from "node:fs";
import type { TestProject } from "vitest/node";
import { artifactsDir, serverLogPath } from "./helpers/artifacts";
import { launchBrowserServer } from "./helpers/browser";
import { startWrangler } from "./helpers/wrangler";

declare module "vitest" {
  export interface ProvidedContext {
    baseUrl: string;
    /** wrangler dev's output, so tests can check that no secret was ever logged. */
    serverLogPath: string;
    /** The run's one Chromium, which each file connects to (test/e2e/helpers/browser.ts). */
    browserWsEndpoint: string;
  }
}

export default async function setup(project: TestProject) {
  mkdirSync(artifactsDir, { recursive: true });
  rmSync(serverLogPath, { force: true });
  const [server, browser] = await Promise.all([startWrangler({ logPath: serverLogPath }), launchBrowserServer()]);
  project.provide("baseUrl", server.baseUrl);
  project.provide("serverLogPath", serverLogPath);
  project.provide("browserWsEndpoint", browser.wsEndpoint());
  return async () => {
    await browser.close();
    await server.close();
  };
}
