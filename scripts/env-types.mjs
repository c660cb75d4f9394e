// Generates the Worker's Env type from wrangler.toml (and the secret names in .dev.vars.example) into
// worker-configuration.d.ts: `npm run types:env`. With --check (`npm run types:env:check`, run by `npm test`) it
// generates a second copy and fails when the committed file differs, so a binding added to wrangler.toml without
// regenerating is caught.
//
// Not `wrangler types --check`: that check re-reads secrets from the developer's own .dev.vars instead of
// .dev.vars.example, so it would answer differently on every machine.
import { spawnSync } from "node:child_process";
import { existsSync, readFileSync, rmSync, writeFileSync } from "node:fs";

const OUT = "worker-configuration.d.ts";
const check = process.argv.includes("--check");
// Beside the real file (the generated `import("./worker/index")` is relative to it), under a name git ignores.
const target = check ? ".worker-configuration.check.d.ts" : OUT;

const run = spawnSync("npx", ["wrangler", "types", target, "--include-runtime=false", "--strict-vars=false", "--env-file", ".dev.vars.example"], {
  stdio: check ? "pipe" : "inherit",
  encoding: "utf8",
});
if (run.status !== 0) {
  if (check) process.stderr.write(`${run.stdout}${run.stderr}`);
  process.exit(run.status ?? 1);
}

// wrangler also types Node's process.env with the vars (nodejs_compat fills it in the Worker). The Worker reads them
// from `env` only, and this tsconfig also covers Node code (scripts, the CLI and its tests) whose process.env holds
// none of them, so that declaration is dropped.
const processEnvTypes = /\ntype StringifyValues<[\s\S]*?\n\};\ndeclare namespace NodeJS \{[\s\S]*?\n\}\n?/;
writeFileSync(target, `${readFileSync(target, "utf8").replace(processEnvTypes, "\n").trimEnd()}\n`);
if (check) {
  // The header names the command (and so the file written); everything after it must match.
  const body = (file) => (existsSync(file) ? readFileSync(file, "utf8").split("\n").slice(2).join("\n") : null);
  const fresh = body(target);
  rmSync(target, { force: true });
  if (fresh !== body(OUT)) {
    console.error(`${OUT} does not match wrangler.toml and .dev.vars.example: run \`npm run types:env\` and commit the result.`);
    process.exit(1);
  }
  console.log(`${OUT} is up to date.`);
}
