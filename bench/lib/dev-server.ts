import { spawn, type ChildProcess } from "node:child_process";
import { randomBytes } from "node:crypto";
import { createWriteStream, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { d1Bindings } from "../../scripts/lib/d1-bindings.mjs";
import { binOf, freePort, repoRoot, runNode, waitUntil } from "../../test/e2e/helpers/processes";

/** How much of the runtime's output is kept in memory when it is not streamed to a file. */
const OUTPUT_TAIL_CHARS = 64 * 1024;

export interface DevServer {
  url: string;
  /** The wrangler process (its workerd runs as a descendant). */
  pid: number | undefined;
  stop(): Promise<void>;
}

/**
 * `wrangler dev` for a config (Tutti's own by default) on a free port with fresh local state,
 * migrations applied when the config has D1. Output is kept and shown only if startup fails.
 */
export async function startDevServer(
  opts: { config?: string; vars?: Record<string, string>; migrate?: boolean; healthPath?: string } = {},
): Promise<DevServer> {
  const wrangler = binOf("wrangler");
  const config = opts.config ?? join(repoRoot, "wrangler.toml");
  const persistTo = mkdtempSync(join(tmpdir(), "tutti-bench-"));
  const env = { ...process.env, WRANGLER_SEND_METRICS: "false", NO_COLOR: "1" };
  if (opts.migrate !== false) {
    // Every D1 binding of the config: the control database and each tenant shard get the same migrations.
    for (const binding of d1Bindings(config))
      await runNode(wrangler, ["d1", "migrations", "apply", binding, "--local", "--persist-to", persistTo, "--config", config], { env });
  }
  const port = await freePort();
  const inspector = await freePort();
  const vars = {
    TUTTI_MASTER_KEY: `1:${randomBytes(32).toString("base64")}`,
    RATE_LIMIT_SIGNUP_PER_HOUR: "100000",
    LOGIN_FREE_ATTEMPTS: "100000",
    // Benches seed through the public API faster than a person writes.
    RATE_LIMIT_WRITES_PER_MIN: "1000000",
    ...opts.vars,
  };
  const args = [
    wrangler,
    "dev",
    "--config",
    config,
    "--port",
    String(port),
    "--inspector-port",
    String(inspector),
    "--persist-to",
    persistTo,
    "--show-interactive-dev-session=false",
  ];
  for (const [k, v] of Object.entries(vars)) args.push("--var", `${k}:${v}`);
  // The runtime's output: streamed whole to BENCH_SERVER_LOG when set; otherwise only its tail is kept, for the error
  // of a server that exits early (10,000 pipelines' slots once logged more than a JavaScript string can hold).
  let output = "";
  const log = process.env.BENCH_SERVER_LOG ? createWriteStream(process.env.BENCH_SERVER_LOG) : undefined;
  const keep = (chunk: Buffer) => {
    log?.write(chunk);
    output = (output + chunk.toString()).slice(-OUTPUT_TAIL_CHARS);
  };
  const child: ChildProcess = spawn(process.execPath, args, { cwd: repoRoot, env, stdio: ["ignore", "pipe", "pipe"], detached: true });
  child.stdout?.on("data", keep);
  child.stderr?.on("data", keep);
  child.on("exit", () => log?.end());
  let exited = false;
  child.on("exit", () => (exited = true));
  // The server runs in a process group of its own: a benchmark that dies of an uncaught error must not leave it
  // running (a failed 10× scheduler run once left a workerd holding 1.4 GB behind).
  const killOnExit = () => {
    if (!exited && child.pid) {
      try {
        process.kill(-child.pid, "SIGTERM");
      } catch {
        // Already gone.
      }
    }
  };
  process.on("exit", killOnExit);
  child.on("exit", () => process.off("exit", killOnExit));
  const url = `http://127.0.0.1:${port}`;
  const stop = async () => {
    if (!exited && child.pid) {
      try {
        process.kill(-child.pid, "SIGTERM");
      } catch {
        // Already gone.
      }
      await new Promise((r) => setTimeout(r, 300));
    }
    rmSync(persistTo, { recursive: true, force: true });
  };
  try {
    await waitUntil(async () => (await fetch(`${url}${opts.healthPath ?? "/api/v1/health"}`)).ok, {
      timeoutMs: 120_000,
      what: `wrangler dev (${config})`,
      check: () => {
        if (exited) throw new Error(`wrangler dev exited:\n${output}`);
      },
    });
  } catch (err) {
    await stop();
    throw err;
  }
  return { url, stop, pid: child.pid };
}

export function percentile(values: number[], p: number): number {
  if (!values.length) return NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const index = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[index];
}

export const median = (values: number[]) => percentile(values, 50);
export const fmt = (ms: number) => `${ms.toFixed(2)} ms`;
