/**
 * Starts one `wrangler dev` for the e2e run: a fresh temporary D1/DO state directory with migrations
 * applied, a throwaway master key, and rate limits raised so many sign-ups from one address work.
 * The dashboard must already be built (npm test runs build:web first).
 */
import { spawn, type ChildProcess } from "node:child_process";
import { randomBytes } from "node:crypto";
import { closeSync, existsSync, mkdirSync, mkdtempSync, openSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { TestProject } from "vitest/node";
import { artifactsDir } from "./helpers/artifacts";
import { binOf, freePort, repoRoot, runNode, waitUntil } from "./helpers/processes";

declare module "vitest" {
  export interface ProvidedContext {
    baseUrl: string;
    /** wrangler dev's output, so tests can check that no secret was ever logged. */
    serverLogPath: string;
  }
}

export default async function setup(project: TestProject) {
  if (!existsSync(join(repoRoot, "web/build/index.html"))) {
    throw new Error("web/build is missing: run `npm run build:web` before the e2e tests (npm test does this)");
  }
  const wrangler = binOf("wrangler");
  const persistTo = mkdtempSync(join(tmpdir(), "tutti-e2e-"));
  const env = { ...process.env, WRANGLER_SEND_METRICS: "false", NO_COLOR: "1" };

  await runNode(wrangler, ["d1", "migrations", "apply", "DB", "--local", "--persist-to", persistTo], { env });

  const port = await freePort();
  const inspectorPort = await freePort();
  const masterKey = `1:${randomBytes(32).toString("base64")}`;
  mkdirSync(artifactsDir, { recursive: true });
  const serverLogPath = join(artifactsDir, "wrangler-dev.log");
  const log = openSync(serverLogPath, "w");
  // A pinned run (scripts/test-at.mjs) serves the Worker through an entry that shifts its clock by the same offset.
  const clockOffset = process.env.TUTTI_CLOCK_OFFSET_MS ?? "0";
  const pinned = clockOffset !== "0" ? ["test/clock/worker-entry.ts", "--var", `TUTTI_CLOCK_OFFSET_MS:${clockOffset}`] : [];
  const server: ChildProcess = spawn(
    process.execPath,
    [
      wrangler,
      "dev",
      ...pinned,
      "--port",
      String(port),
      "--inspector-port",
      String(inspectorPort),
      "--persist-to",
      persistTo,
      "--var",
      `TUTTI_MASTER_KEY:${masterKey}`,
      "--var",
      "TUTTI_ENV:e2e",
      "--var",
      "RATE_LIMIT_SIGNUP_PER_HOUR:100000",
      "--var",
      "RATE_LIMIT_LOGIN_PER_15MIN:100000",
      "--show-interactive-dev-session=false",
    ],
    // Own process group, so teardown stops wrangler and the workerd it started.
    { cwd: repoRoot, env, stdio: ["ignore", log, log], detached: true },
  );
  let exited: number | string | null = null;
  server.on("exit", (code, signal) => (exited = signal ?? code));

  const baseUrl = `http://localhost:${port}`;
  const stop = () => {
    if (exited === null && server.pid) {
      try {
        process.kill(-server.pid, "SIGTERM");
      } catch {
        // Already gone.
      }
    }
  };
  try {
    await waitUntil(async () => (await fetch(`${baseUrl}/api/v1/health`)).ok, {
      timeoutMs: 120_000,
      what: `wrangler dev on ${baseUrl} (log: ${serverLogPath})`,
      check: () => {
        if (exited !== null) throw new Error(`wrangler dev exited with ${exited}; see ${serverLogPath}`);
      },
    });
  } catch (error) {
    stop();
    closeSync(log);
    rmSync(persistTo, { recursive: true, force: true });
    throw error;
  }

  project.provide("baseUrl", baseUrl);
  project.provide("serverLogPath", serverLogPath);

  return async () => {
    stop();
    await waitUntil(async () => exited !== null, { timeoutMs: 15_000, what: "wrangler dev to stop" }).catch(() => {
      if (server.pid) process.kill(-server.pid, "SIGKILL");
    });
    closeSync(log);
    rmSync(persistTo, { recursive: true, force: true });
  };
}
