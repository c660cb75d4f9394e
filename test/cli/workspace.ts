import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { afterAll, inject } from "vitest";
import type { CliIO } from "../../cli/io";
import { main } from "../../cli/main";
import { nodeIO } from "../../cli/node-io";
import { signupOwner, type OwnerSession } from "../e2e/helpers/api";
import { reportArtifactsOnFailure } from "../e2e/helpers/artifacts";
import { waitUntil } from "../e2e/helpers/processes";

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
  /** `tutti <argv>` in-process: real files under `dir`, real HTTP, output captured. */
  run(argv: string[], env?: Record<string, string>): Promise<CliResult>;
}

/** The real CLI I/O with relative paths resolved in `dir` and the output kept. */
function capturedIO(dir: string, env: Record<string, string>) {
  const out: string[] = [];
  const err: string[] = [];
  const at = (path: string) => resolve(dir, path);
  const io: CliIO = {
    ...nodeIO,
    env,
    stdout: (line) => out.push(line),
    stderr: (line) => err.push(line),
    readFile: (path) => nodeIO.readFile(at(path)),
    writeFile: (path, text) => nodeIO.writeFile(at(path), text),
    listDir: (path) => nodeIO.listDir(at(path)),
  };
  return { io, out, err };
}

/** `tutti` with exactly this environment (no workspace: usage errors, an unreachable server). */
export async function tutti(argv: string[], env: Record<string, string>, dir = process.cwd()): Promise<CliResult> {
  const { io, out, err } = capturedIO(dir, env);
  const code = await main(argv, io);
  return { code, out, err };
}

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
