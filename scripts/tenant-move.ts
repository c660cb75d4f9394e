/**
 * `npm run tenant:move -- --local [--persist-to DIR] | --remote  --tenant ID --to SHARD_n`: moves a tenant's rows from
 * its shard to another bound shard (worker/tenant-data/move.ts) through wrangler's platform proxy, like
 * `tenant:import`. The tenant's API writes are answered 503 (Retry-After) from the start until the map names the new
 * shard and every isolate's cached answer has expired (about 45 s after the copy); then the old shard's rows are
 * removed. A move that stops is finished by running the same command again; a tenant already there is left alone.
 * See docs/deployment.md ("Moving a tenant").
 */
import { resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { type MoveResult, moveTenant } from "../worker/tenant-data/move";
import type { ShardEnv } from "../worker/db/shards";
import { commandLine, withPlatformProxy } from "./lib/platform-proxy";

const usage = "usage: npm run tenant:move -- --local [--persist-to DIR] | --remote  --tenant ID --to SHARD_n";

async function main() {
  const { target, values } = commandLine(usage, { tenant: { type: "string" }, to: { type: "string" } }, ["tenant", "to"]);
  const result = await withPlatformProxy<ShardEnv, MoveResult>(target, (env) =>
    moveTenant(env, values.tenant, values.to, { onProgress: (message) => console.log(message), operator: `operator (${process.env.USER ?? "tenant:move"})` }),
  );
  if (result.outcome === "already_there") {
    console.log(`Tenant ${result.tenantId} is on ${result.to} already, with no move under way: nothing to do.`);
    return;
  }
  console.log(`${result.resumed ? "Finished moving" : "Moved"} tenant ${result.tenantId} from ${result.from} to ${result.to}.`);
  for (const [table, n] of Object.entries(result.counts).sort()) if (n > 0) console.log(`  ${table.padEnd(28)} ${n} row(s)`);
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  main().catch((err) => {
    console.error(err instanceof Error ? err.message : err);
    process.exit(1);
  });
}
