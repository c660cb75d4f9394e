import { spawn } from "node:child_process";
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { afterAll, inject } from "vitest";
import { signupOwner, type OwnerSession } from "../e2e/helpers/api";
import { reportArtifactsOnFailure } from "../e2e/helpers/artifacts";
import { repoRoot, waitUntil } from "../e2e/helpers/processes";

export interface CliResult {
  code: number;
  out: string[];
  err: string[];
}

/** A fresh workspace on the test server, a team token for the CLI, and a directory its commands run in. */
export interface CliWorkspace {
  owner: OwnerSession;
  token: string;
  /** TUTTI_URL and TUTTI_TOKEN for this workspace. */
  env: Record<string, string>;
  dir: string;
  write(path: string, text: string): void;
  read(path: string): string;
  /** `tutti <argv>` with the built CLI: real files under `dir`, real HTTP, output captured. */
  run(argv: string[], env?: Record<string, string>): Promise<CliResult>;
}

/** The built CLI, as `npm install` puts it on the PATH (test/cli/global-setup.ts builds it first). */
export const cliBundle = join(repoRoot, "cli/dist/tutti.mjs");

/** What a pinned test run (npm run test:at) gives every Node process, the CLI included: see docs/testing.md. */
const pinnedClock = () => {
  const { NODE_OPTIONS, TUTTI_CLOCK_OFFSET_MS } = process.env;
  return { ...(NODE_OPTIONS ? { NODE_OPTIONS } : {}), ...(TUTTI_CLOCK_OFFSET_MS ? { TUTTI_CLOCK_OFFSET_MS } : {}) };
};

/**
 * `tutti <argv>` as CI runs it: the built bundle in a Node process of its own, with `env` and nothing else from the
 * test's environment (no NODE_PATH, no tsx; only a pinned clock passes through), in `dir`. Lines of stdout and stderr
 * are kept apart.
 */
export function tutti(argv: string[], env: Record<string, string>, dir = process.cwd()): Promise<CliResult> {
  return new Promise((resolvePromise, reject) => {
    // Not spawnSync: the tool fakes answer from this process while the CLI runs.
    const child = spawn(process.execPath, [cliBundle, ...argv], { cwd: dir, env: { ...pinnedClock(), ...env }, stdio: ["ignore", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (chunk) => (stdout += chunk));
    child.stderr.on("data", (chunk) => (stderr += chunk));
    child.on("error", reject);
    child.on("close", (code) => resolvePromise({ code: code ?? -1, out: lines(stdout), err: lines(stderr) }));
  });
}

const lines = (text: string) => (text ? text.replace(/\n$/, "").split("\n") : []);

export async function cliWorkspace(
  label: string,
  scopes = ["read", "pipelines:write", "runs:write", "lineage:write", "metadata:write"],
): Promise<CliWorkspace> {
  const baseUrl = inject("baseUrl");
  const owner = await signupOwner(baseUrl, label);
  const token = await owner.token(scopes);
  const dir = mkdtempSync(join(tmpdir(), `tutti-cli-${label}-`));
  const env = { TUTTI_URL: baseUrl, TUTTI_TOKEN: token };
  return {
    owner,
    token,
    env,
    dir,
    write: (path, text) => {
      mkdirSync(dirname(join(dir, path)), { recursive: true });
      writeFileSync(join(dir, path), text);
    },
    read: (path) => readFileSync(join(dir, path), "utf8"),
    run: (argv, extra = {}) => tutti(argv, { ...env, ...extra }, dir),
  };
}

/**
 * Registers the file's clean-up: before its fakes close, every run of the workspace has ended (a cancelled run's
 * stop reaches the tool too), so nothing a test started still calls a fake that is gone. And a failing test
 * says where the server log is.
 */
export function settleRunsAfterAll(workspaces: () => CliWorkspace[]) {
  reportArtifactsOnFailure(() => inject("serverLogPath"));
  afterAll(async () => {
    for (const w of workspaces()) {
      await waitUntil(async () => (await w.owner.call("GET", "/runs?status=queued,running&limit=1")).items.length === 0, {
        timeoutMs: 60_000,
        intervalMs: 250,
        what: "the workspace's runs to end",
      });
    }
  });
}
