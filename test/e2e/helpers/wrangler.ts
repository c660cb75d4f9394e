/**
 * `wrangler dev` for tests outside workerd (e2e, CLI, fault injection): a D1/DO state directory with the
 * migrations applied, a throwaway master key, rate limits raised so many sign-ups from one address work, and
 * its own process group so it can be stopped, or killed outright, with the workerd it started.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { createHash, randomBytes } from "node:crypto";
import { closeSync, cpSync, existsSync, mkdtempSync, openSync, readdirSync, readFileSync, renameSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { d1Bindings } from "../../../scripts/lib/d1-bindings.mjs";
import { binOf, freePort, repoRoot, runNode, waitUntil } from "./processes";

export interface WranglerOptions {
  /** wrangler dev's output goes here (appended across restarts). */
  logPath: string;
  /** Extra `[vars]` (e.g. shorter leases for fault tests). */
  vars?: Record<string, string>;
  /**
   * The Worker's clock shift in ms (default: the run's TUTTI_CLOCK_OFFSET_MS, see scripts/test-at.mjs). A test that
   * must let business days pass — a grace period, a daily check — starts its own server in the past and restarts it
   * on the same state with a later offset (`restart({ clockOffsetMs })`).
   */
  clockOffsetMs?: number;
}

export interface WranglerServer {
  baseUrl: string;
  port: number;
  persistTo: string;
  logPath: string;
  /** Starts wrangler dev again on the same port and state (after `kill`), optionally with another clock offset. */
  restart(change?: { clockOffsetMs?: number }): Promise<void>;
  /** Kills the whole process group at once (SIGKILL: nothing gets to finish or flush). */
  kill(): Promise<void>;
  /** Stops the server (SIGTERM, then SIGKILL after 15 s) and deletes its state. */
  close(): Promise<void>;
  /**
   * Runs the Worker's minute cron (its engine watchdog) once, as Cloudflare does every minute and `wrangler dev`
   * does not by itself (`--test-scheduled`).
   */
  minuteCron(): Promise<void>;
}

const wranglerEnv = () => ({ ...process.env, WRANGLER_SEND_METRICS: "false", NO_COLOR: "1" });

/**
 * A state folder with every D1 binding migrated by `wrangler d1 migrations apply`, made once for the migrations,
 * wrangler.toml and the wrangler version it was made from, and copied by each server. Each `wrangler d1` process
 * costs ~4 s of CPU (three bindings, and four servers a run: the CLI's, the browser layer's, `faults`' and
 * `unused-products`'), docs/testing.md. Made under a temporary name and renamed, so a server starting at the same
 * time in another process never copies half of one.
 */
async function migratedState(): Promise<string> {
  const wrangler = binOf("wrangler");
  const bindings = d1Bindings(join(repoRoot, "wrangler.toml"));
  // wrangler.toml whole: the bindings' database ids name their files in the state folder.
  const hash = createHash("sha256")
    .update(readFileSync(join(repoRoot, "wrangler.toml")))
    .update(readFileSync(join(dirname(wrangler), "../package.json")));
  for (const file of readdirSync(join(repoRoot, "migrations"))
    .filter((f) => f.endsWith(".sql"))
    .sort()) {
    hash.update(file).update(readFileSync(join(repoRoot, "migrations", file)));
  }
  const template = join(tmpdir(), `tutti-wrangler-migrated-${hash.digest("hex").slice(0, 16)}`);
  if (existsSync(template)) return template;
  const building = mkdtempSync(`${template}-building-`);
  try {
    for (const binding of bindings) {
      await runNode(wrangler, ["d1", "migrations", "apply", binding, "--local", "--persist-to", building], { env: wranglerEnv() });
    }
    renameSync(building, template);
  } catch (error) {
    rmSync(building, { recursive: true, force: true });
    // Another process renamed its copy first: theirs is as good.
    if (!existsSync(template)) throw error;
  }
  return template;
}

/**
 * Fills `persistTo` (a `--persist-to` folder) with local D1 state as `wrangler d1 migrations apply` leaves it for every
 * binding: the operator-script tests (keys-rotate, tenant-import) start from it too.
 */
export async function copyMigratedState(persistTo: string): Promise<void> {
  cpSync(await migratedState(), persistTo, { recursive: true });
}

export async function startWrangler(options: WranglerOptions): Promise<WranglerServer> {
  if (!existsSync(join(repoRoot, "web/build/index.html"))) {
    throw new Error("web/build is missing: run `npm run build:web` before these tests (npm test does this)");
  }
  const wrangler = binOf("wrangler");
  const env = wranglerEnv();
  const persistTo = mkdtempSync(join(tmpdir(), "tutti-wrangler-"));
  await copyMigratedState(persistTo);

  const port = await freePort();
  const masterKey = `1:${randomBytes(32).toString("base64")}`;
  // A pinned run (scripts/test-at.mjs) serves the Worker through an entry that shifts its clock by the same offset.
  let clockOffset = options.clockOffsetMs !== undefined ? String(options.clockOffsetMs) : (process.env.TUTTI_CLOCK_OFFSET_MS ?? "0");
  const baseVars = {
    TUTTI_MASTER_KEY: masterKey,
    TUTTI_ENV: "e2e",
    TEST_PASSWORD_HASH_ITERATIONS: "1000",
    RATE_LIMIT_SIGNUP_PER_HOUR: "100000",
    LOGIN_FREE_ATTEMPTS: "100000",
    // Browser and CLI suites write faster than any person; the per-tenant limits have their own test.
    RATE_LIMIT_INGEST_PER_MIN: "100000",
    RATE_LIMIT_WRITES_PER_MIN: "100000",
  };
  const baseUrl = `http://localhost:${port}`;
  // wrangler dev's ProxyWorker (wrangler 4.86) parks a GET whose forwarding failed in a retry queue that it only works
  // through when the next request arrives, and a page waiting for its data sends none: the GET then hangs until
  // something else reaches the server (docs/testing.md, "A request wrangler dev leaves unanswered"). A cheap request
  // every second keeps that queue moving; it reads a static file, so it touches neither D1 nor a Durable Object.
  const ticker = setInterval(() => {
    fetch(`${baseUrl}/favicon.svg`, { method: "HEAD", signal: AbortSignal.timeout(5_000) }).catch(() => undefined);
  }, 1_000);
  ticker.unref();
  let server: ChildProcess | null = null;
  let exited: number | string | null = null;
  let log: number | null = null;

  const start = async (change: { clockOffsetMs?: number } = {}) => {
    if (change.clockOffsetMs !== undefined) clockOffset = String(change.clockOffsetMs);
    const entry = clockOffset !== "0" ? ["test/clock/worker-entry.ts"] : [];
    const vars = { ...baseVars, ...(clockOffset !== "0" ? { TUTTI_CLOCK_OFFSET_MS: clockOffset } : {}), ...options.vars };
    log = openSync(options.logPath, "a");
    exited = null;
    const inspectorPort = await freePort();
    const child = spawn(
      process.execPath,
      [
        wrangler,
        "dev",
        ...entry,
        "--port",
        String(port),
        "--inspector-port",
        String(inspectorPort),
        "--persist-to",
        persistTo,
        ...Object.entries(vars).flatMap(([k, v]) => ["--var", `${k}:${v}`]),
        "--show-interactive-dev-session=false",
        // GET /__scheduled?cron=… runs the Worker's cron handler (wrangler dev runs no crons by itself; its
        // /cdn-cgi/handler/scheduled fails with a DataCloneError when static assets are configured).
        "--test-scheduled",
      ],
      // Own process group, so stopping it stops the workerd it started too.
      { cwd: repoRoot, env, stdio: ["ignore", log, log], detached: true },
    );
    server = child;
    child.on("exit", (code, signal) => {
      if (server === child) exited = signal ?? code;
    });
    await waitUntil(async () => (await fetch(`${baseUrl}/api/v1/health`)).ok, {
      timeoutMs: 120_000,
      what: `wrangler dev on ${baseUrl} (log: ${options.logPath})`,
      check: () => {
        if (exited !== null) throw new Error(`wrangler dev exited with ${exited}; see ${options.logPath}`);
      },
    });
  };

  const signalGroup = (signal: NodeJS.Signals) => {
    if (server?.pid && exited === null) {
      try {
        process.kill(-server.pid, signal);
      } catch {
        // Already gone.
      }
    }
  };
  const waitExit = (timeoutMs: number) => waitUntil(async () => exited !== null, { timeoutMs, intervalMs: 50, what: "wrangler dev to exit" });
  const closeLog = () => {
    if (log !== null) closeSync(log);
    log = null;
  };

  const kill = async () => {
    signalGroup("SIGKILL");
    await waitExit(15_000);
    // workerd may still be releasing the port after its group died.
    await waitUntil(
      async () =>
        !(await fetch(`${baseUrl}/api/v1/health`).then(
          () => true,
          () => false,
        )),
      { timeoutMs: 15_000, what: `port ${port} to be free` },
    );
    closeLog();
  };

  const close = async () => {
    clearInterval(ticker);
    signalGroup("SIGTERM");
    await waitExit(15_000).catch(() => signalGroup("SIGKILL"));
    closeLog();
    rmSync(persistTo, { recursive: true, force: true });
  };

  try {
    await start();
  } catch (error) {
    await close();
    throw error;
  }
  const minuteCron = () =>
    fetch(`${baseUrl}/__scheduled?cron=${encodeURIComponent("* * * * *")}`).then(async (r) => {
      if (!r.ok) throw new Error(`the scheduled handler answered ${r.status}: ${await r.text()}`);
    });
  return { baseUrl, port, persistTo, logPath: options.logPath, restart: start, kill, close, minuteCron };
}
