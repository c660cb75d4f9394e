/**
 * `npm run blobs:migrate -- --local | --remote [--persist-to DIR]`: the one-off copy of dbt artifacts kept in D1
 * (`dbt_artifact_chunks`, uploads from before R2) into the `tutti-blobs` bucket, after which those chunk rows are gone.
 *
 * It runs the Worker's own copy (worker/blobs/copy-dbt-chunks.ts) against the D1 database and R2 bucket of
 * wrangler.toml through wrangler's platform proxy: local state (wrangler dev's, or --persist-to DIR as given to
 * `wrangler dev`), or with --remote the deployed ones (needs `wrangler login` or CLOUDFLARE_API_TOKEN). It can be
 * stopped and run again. See docs/deployment.md ("Moving stored artifacts to R2").
 */
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { getPlatformProxy, unstable_readConfig } from "wrangler";
import { copyDbtChunksToBlobs } from "../worker/blobs/copy-dbt-chunks";
import { createDb } from "../worker/db/client";

const root = resolve(dirname(fileURLToPath(import.meta.url)), "..");

/** A config with only the two bindings the copy needs, marked remote or local. */
function bindingsConfig(remote: boolean): string {
  const config = unstable_readConfig({ config: join(root, "wrangler.toml") });
  const db = config.d1_databases.find((d: { binding: string }) => d.binding === "DB");
  const blobs = config.r2_buckets.find((b: { binding: string }) => b.binding === "BLOBS");
  if (!db || !blobs) throw new Error("wrangler.toml needs the DB (D1) and BLOBS (R2) bindings");
  const dir = mkdtempSync(join(tmpdir(), "tutti-blobs-"));
  const file = join(dir, "wrangler.json");
  writeFileSync(
    file,
    JSON.stringify({
      name: config.name,
      compatibility_date: config.compatibility_date,
      d1_databases: [{ binding: "DB", database_name: db.database_name, database_id: db.database_id, remote }],
      r2_buckets: [{ binding: "BLOBS", bucket_name: blobs.bucket_name, remote }],
    }),
  );
  return file;
}

async function main() {
  const { values } = parseArgs({ options: { local: { type: "boolean" }, remote: { type: "boolean" }, "persist-to": { type: "string" } } });
  if (values.local === values.remote || (values.remote && values["persist-to"])) {
    console.error("usage: npm run blobs:migrate -- --local [--persist-to DIR] | --remote");
    process.exit(2);
  }
  const configPath = bindingsConfig(!!values.remote);
  // wrangler dev --persist-to DIR keeps its state in DIR/v3; without it, in .wrangler/state/v3.
  const persist = { path: join(resolve(values["persist-to"] ?? join(root, ".wrangler/state")), "v3") };
  const proxy = await getPlatformProxy<{ DB: D1Database; BLOBS: R2Bucket }>({ configPath, persist, remoteBindings: !!values.remote });
  try {
    const done = await copyDbtChunksToBlobs(createDb(proxy.env.DB), proxy.env.BLOBS, { onArtifact: (key) => console.log(`  copied ${key}`) });
    console.log(`Copied ${done.copied} artifact(s) to R2; dropped the chunks of ${done.dropped} artifact(s) no upload names.`);
    console.log("dbt_artifact_chunks is empty: a later release's migration drops the table.");
  } finally {
    await proxy.dispose();
    rmSync(dirname(configPath), { recursive: true, force: true });
  }
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  main().catch((err) => {
    console.error(err instanceof Error ? err.message : err);
    process.exit(1);
  });
}
