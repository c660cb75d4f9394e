/**
 * Operator commands (`npm run blobs:migrate`, `quotas`, `keys:rotate`, `tenant:import`, `tenant:move`) reach the deployment's D1 (and R2) through wrangler's
 * platform proxy: the bindings of wrangler.toml, marked local or remote, in a throwaway config; local state where
 * `wrangler dev` keeps it (`--persist-to DIR` → DIR/v3, else .wrangler/state/v3). Every D1 binding is proxied (the
 * control database and each shard) with TENANT_SHARDS, so worker/db/shards.ts finds tenants as the Worker does.
 */
import { AssertionError } from "node:assert";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { type ParseArgsConfig, parseArgs } from "node:util";
import { getPlatformProxy, unstable_readConfig } from "wrangler";

const root = resolve(dirname(fileURLToPath(import.meta.url)), "../..");

export interface ProxyTarget {
  remote: boolean;
  persistTo?: string;
  /** Also bind the BLOBS bucket (R2); DB (D1) is always bound. */
  blobs?: boolean;
}

const TARGET_OPTIONS = {
  local: { type: "boolean" },
  remote: { type: "boolean" },
  "persist-to": { type: "string" },
} as const satisfies ParseArgsConfig["options"];

type CommandOptions = NonNullable<ParseArgsConfig["options"]>;

/** A command line an operator command cannot run with; its message is the command's usage line. */
export class UsageError extends Error {}

/**
 * Parses an operator command's arguments: exactly one of `--local [--persist-to DIR]` or `--remote` (a remote
 * database has no local state to point at), plus the command's own `options`, of which those named in `required`
 * must be given. Every command takes its target the same way; a wrong line throws UsageError with `usage`.
 */
export function parseCommandLine<const O extends CommandOptions, const R extends keyof O & string = never>(
  args: string[],
  usage: string,
  options: O,
  required: R[] = [],
) {
  const parse = () => parseArgs({ args, options: { ...TARGET_OPTIONS, ...options }, strict: true, allowPositionals: false });
  let parsed: ReturnType<typeof parse>;
  try {
    parsed = parse();
  } catch (err) {
    throw new UsageError(`${err instanceof Error ? err.message : err}\n${usage}`);
  }
  const values = parsed.values;
  const given = values as Record<string, unknown>;
  const local = given.local === true;
  const remote = given.remote === true;
  const persistTo = given["persist-to"] as string | undefined;
  if (local === remote || (remote && persistTo !== undefined) || required.some((name) => given[name] === undefined)) throw new UsageError(usage);
  const target: Omit<ProxyTarget, "blobs"> = { remote, persistTo };
  return { target, values: values as typeof values & { [K in R]-?: K extends keyof typeof values ? NonNullable<(typeof values)[K]> : never } };
}

/** parseCommandLine on this process's arguments; a wrong line prints the usage and exits with 2. */
export function commandLine<const O extends CommandOptions, const R extends keyof O & string = never>(usage: string, options: O, required: R[] = []) {
  try {
    return parseCommandLine(process.argv.slice(2), usage, options, required);
  } catch (err) {
    if (!(err instanceof UsageError)) throw err;
    console.error(err.message);
    process.exit(2);
  }
}

function bindingsConfig(target: ProxyTarget): string {
  const config = unstable_readConfig({ config: join(root, "wrangler.toml") });
  const db = config.d1_databases.find((d: { binding: string }) => d.binding === "DB");
  const shardsVar = (config.vars as Record<string, unknown>).TENANT_SHARDS;
  const bucket = config.r2_buckets.find((b: { binding: string }) => b.binding === "BLOBS");
  if (!db) throw new Error("wrangler.toml needs the DB (D1) binding");
  if (target.blobs && !bucket) throw new Error("wrangler.toml needs the BLOBS (R2) binding");
  const file = join(mkdtempSync(join(tmpdir(), "tutti-proxy-")), "wrangler.json");
  writeFileSync(
    file,
    JSON.stringify({
      name: config.name,
      compatibility_date: config.compatibility_date,
      d1_databases: config.d1_databases.map((d: { binding: string; database_name?: string; database_id?: string }) => ({
        binding: d.binding,
        database_name: d.database_name,
        database_id: d.database_id,
        remote: target.remote,
      })),
      // The deployed Worker's list, when it is not wrangler.toml's (set in the dashboard): TENANT_SHARDS in the environment.
      vars: { TENANT_SHARDS: process.env.TENANT_SHARDS ?? (typeof shardsVar === "string" ? shardsVar : "") },
      ...(target.blobs && bucket ? { r2_buckets: [{ binding: "BLOBS", bucket_name: bucket.bucket_name, remote: target.remote }] } : {}),
    }),
  );
  return file;
}

/**
 * Miniflare's proxy answers property reads and calls that return no promise (`db.prepare`, `stmt.bind`)
 * synchronously: a worker thread makes the request while the main thread blocks on `Atomics.wait`, then takes the
 * reply off a message port. Rarely the reply is not on the port when the wait ends and miniflare's own
 * `assert(message?.id === id)` in `SynchronousFetcher.fetch` throws (seen once, in CI on 2026-12-06, on the first
 * query of `keys:rotate`; 6,000 proxied queries on 20 fresh proxies under full CPU load did not repeat it; babel
 * reported the same symptom of `receiveMessageOnPort` in babel/babel#14541). That proxy is then out of step with its
 * worker thread, so the whole piece of work runs again on a fresh one.
 */
export function isLostProxyReply(err: unknown): boolean {
  return err instanceof AssertionError && (err.stack ?? "").includes("SynchronousFetcher");
}

const ATTEMPTS = 3;

/**
 * Runs `attempt` until it does not fail with a lost proxy reply, at most three times. What runs again must be
 * idempotent: every operator command built on the proxy is (compare-and-swap writes, copies that skip what is done).
 */
export async function retryOnLostProxyReply<T>(attempt: () => Promise<T>, warn: (message: string) => void = console.warn): Promise<T> {
  for (let n = 1; ; n++) {
    try {
      return await attempt();
    } catch (err) {
      if (!isLostProxyReply(err) || n >= ATTEMPTS) throw err;
      warn(`wrangler's platform proxy lost a reply (attempt ${n} of ${ATTEMPTS}); starting a fresh proxy and running again`);
    }
  }
}

/**
 * Runs `work` with the proxied bindings, then disposes of the proxy and its config. `work` may run more than once
 * (see retryOnLostProxyReply), so it must be idempotent.
 */
export async function withPlatformProxy<Bindings extends Record<string, unknown>, T>(target: ProxyTarget, work: (env: Bindings) => Promise<T>): Promise<T> {
  const configPath = bindingsConfig(target);
  const persist = { path: join(resolve(target.persistTo ?? join(root, ".wrangler/state")), "v3") };
  try {
    return await retryOnLostProxyReply(async () => {
      const proxy = await getPlatformProxy<Bindings>({ configPath, persist, remoteBindings: target.remote });
      try {
        return await work(proxy.env);
      } finally {
        await proxy.dispose();
      }
    });
  } finally {
    rmSync(dirname(configPath), { recursive: true, force: true });
  }
}
