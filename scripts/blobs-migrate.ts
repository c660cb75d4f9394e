import { resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { copyDbtChunksToBlobs } from "../worker/blobs/copy-dbt-chunks";
import { createDb } from "../worker/db/client";
import { withPlatformProxy } from "./lib/platform-proxy";

async function main() {
  const { values } = parseArgs({ options: { local: { type: "boolean" }, remote: { type: "boolean" }, "persist-to": { type: "string" } } });
  if (values.local === values.remote || (values.remote && values["persist-to"])) {
    console.error("usage: npm run blobs:migrate -- --local [--persist-to DIR] | --remote");
    process.exit(2);
  }
  await withPlatformProxy<{ DB: D1Database; BLOBS: R2Bucket }, void>({ remote: !!values.remote, persistTo: values["persist-to"], blobs: true }, async (env) => {
    const done = await copyDbtChunksToBlobs(createDb(env.DB), env.BLOBS, { onArtifact: (key) => console.log(`  copied ${key}`) });
    console.log(`Copied ${done.copied} artifact(s) to R2; dropped the chunks of ${done.dropped} artifact(s) no upload names.`);
    console.log("dbt_artifact_chunks is empty: a later release's migration drops the table.");
  });
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  main().catch((err) => {
    console.error(err instanceof Error ? err.message : err);
    process.exit(1);
  });
}
