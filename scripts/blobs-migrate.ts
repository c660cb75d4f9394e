import { resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { copyLegacyBodiesEverywhere } from "../worker/blobs/copy-legacy";
import { commandLine, withPlatformProxy } from "./lib/platform-proxy";

async function main() {
  const { target } = commandLine("usage: npm run blobs:migrate -- --local [--persist-to DIR] | --remote", {});
  await withPlatformProxy<{ DB: D1Database; BLOBS: R2Bucket; TENANT_SHARDS?: string }, void>({ ...target, blobs: true }, async (env) => {
    const done = await copyLegacyBodiesEverywhere(env, env.BLOBS, { onKey: (key) => console.log(`  copied ${key}`) });
    console.log(
      `Copied to R2: ${done.artifacts} dbt artifact(s), ${done.webhookPayloads} webhook payload(s), ${done.lineageEvents} lineage event body(ies); ` +
        `dropped the chunks of ${done.droppedArtifacts} artifact(s) no upload names.`,
    );
    console.log("Nothing is left in D1: apply the migrations now (0025 drops dbt_artifact_chunks).");
  });
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  main().catch((err) => {
    console.error(err instanceof Error ? err.message : err);
    process.exit(1);
  });
}
