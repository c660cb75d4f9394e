#!/usr/bin/env node
// `npm run build:cli`: bundles the `tutti` CLI (cli/run.ts and what it imports from worker/) into one ES module,
// cli/dist/tutti.mjs, that runs on plain Node. npm packages stay imports, so each must be a dependency in
// cli/package.json (test/cli/package.test.ts checks that).
import { chmodSync, readFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { build } from "esbuild";

const root = resolve(dirname(fileURLToPath(import.meta.url)), "..");
const manifest = JSON.parse(readFileSync(join(root, "cli/package.json"), "utf8"));

const outfile = join(root, "cli", manifest.bin.tutti);
await build({
  entryPoints: [join(root, "cli/run.ts")],
  outfile,
  bundle: true,
  platform: "node",
  format: "esm",
  target: `node${manifest.engines.node.replace(/^>=/, "")}`,
  packages: "external",
  banner: { js: "#!/usr/bin/env node" },
  legalComments: "none",
  logLevel: "warning",
});
// Runnable as ./cli/dist/tutti.mjs and through the root package's `bin` from a checkout (npm sets the mode on install).
chmodSync(outfile, 0o755);
