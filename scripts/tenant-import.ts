/**
 * `npm run tenant:import -- --local [--persist-to DIR] | --remote  --archive FILE [--tenant ID] [--shard SHARD_n]`: loads a workspace
 * export (the `.tar` an owner downloaded) into the deployment's D1 and R2, keeping every id — the restore of a deleted
 * workspace, and the second half of moving a tenant to another deployment. With shards, a new import goes to the listed
 * shard with the fewest tenants, or to `--shard`. It runs the Worker's own import
 * (worker/tenant-data/import.ts) through wrangler's platform proxy, like `blobs:migrate`. The archive is checked whole
 * first and nothing is written unless it and the target pass; a run that stops is finished by running it again.
 * See docs/operations.md ("Import").
 */
import { createReadStream, existsSync } from "node:fs";
import { resolve } from "node:path";
import { Readable } from "node:stream";
import { fileURLToPath } from "node:url";
import { type ImportTarget, importTenant } from "../worker/tenant-data/import";
import { commandLine, withPlatformProxy } from "./lib/platform-proxy";

const usage = "usage: npm run tenant:import -- --local [--persist-to DIR] | --remote  --archive FILE [--tenant ID] [--shard SHARD_n]";

async function main() {
  const { target, values } = commandLine(usage, { archive: { type: "string" }, tenant: { type: "string" }, shard: { type: "string" } }, ["archive"]);
  const file = resolve(values.archive);
  if (!existsSync(file)) throw new Error(`no archive at ${file}`);
  // Opened once to check the archive and once to write it (and again by a run that resumes).
  const source = async () => Readable.toWeb(createReadStream(file)) as unknown as ReadableStream<Uint8Array>;
  let files = 0;
  const result = await withPlatformProxy<ImportTarget, Awaited<ReturnType<typeof importTenant>>>({ ...target, blobs: true }, (env) =>
    importTenant(env, source, {
      expectTenant: values.tenant,
      shard: values.shard,
      onFile: () => {
        if (++files % 100 === 0) console.log(`  ${files} files applied`);
      },
    }),
  );
  const { tenantId, slug, exportId, shard, outcome, resumed, counts, liftedDeletion } = result;
  console.log(
    `${outcome === "already_done" ? "Already imported" : resumed ? "Finished the import" : "Imported"}: ${slug} (${tenantId}) from export ${exportId}, on ${shard}.`,
  );
  console.log(
    `  members: ${counts.users_created ?? 0} account(s) created without a password, ${counts.users_kept ?? 0} kept, ${counts.users_matched_by_email ?? 0} matched by e-mail`,
  );
  for (const [table, n] of Object.entries(counts).sort()) if (!table.startsWith("users_")) console.log(`  ${table.padEnd(28)} ${n} row(s)`);
  if (liftedDeletion) console.log(`  lifted the deletion asked by ${String(liftedDeletion.requested_by_label)}; its record is kept in tenant_imports`);
  console.log('New accounts sign in with single sign-on, or set a password with "Forgot your password?" on the sign-in page.');
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  main().catch((err) => {
    console.error(err instanceof Error ? err.message : err);
    process.exit(1);
  });
}
