#!/usr/bin/env node
// `npm start`: a local Tutti on http://localhost:8787 from a fresh clone.
// Creates .dev.vars with a master key when missing, applies local D1 migrations,
// builds the dashboard and runs `wrangler dev`. Port: `npm start -- --port 9000` or PORT=9000.
import { spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { existsSync, readFileSync, writeFileSync, appendFileSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { d1Bindings } from "./lib/d1-bindings.mjs";

const root = resolve(dirname(fileURLToPath(import.meta.url)), "..");
const require = createRequire(join(root, "package.json"));

const { values } = parseArgs({
  options: { port: { type: "string" }, "skip-build": { type: "boolean", default: false } },
  allowPositionals: false,
});
const port = values.port ?? process.env.PORT ?? "8787";
if (!/^\d{1,5}$/.test(port)) fail(`invalid port "${port}"`);

/** Absolute path of a package's CLI, so we run the project's own version with this Node. */
function binOf(pkg, name) {
  const manifestPath = require.resolve(`${pkg}/package.json`);
  const manifest = JSON.parse(readFileSync(manifestPath, "utf8"));
  const bin = typeof manifest.bin === "string" ? manifest.bin : manifest.bin[name ?? pkg];
  return join(dirname(manifestPath), bin);
}

function fail(message) {
  console.error(`\n✖ ${message}`);
  process.exit(1);
}

function step(message) {
  console.log(`\n▸ ${message}`);
}

/** Runs a CLI to completion. stdin is closed so wrangler applies migrations without asking. */
function run(bin, args, cwd = root) {
  return new Promise((resolvePromise, reject) => {
    const child = spawn(process.execPath, [bin, ...args], { cwd, stdio: ["ignore", "inherit", "inherit"] });
    child.on("error", reject);
    child.on("exit", (code, signal) => {
      if (code === 0) resolvePromise();
      else reject(new Error(`${args.slice(0, 3).join(" ")} exited with ${signal ?? code}`));
    });
  });
}

/** The key ring format the Worker reads: `<version>:<base64 of 32 random bytes>`. */
function newMasterKey() {
  return `1:${randomBytes(32).toString("base64")}`;
}

function ensureDevVars() {
  const file = join(root, ".dev.vars");
  if (!existsSync(file)) {
    writeFileSync(
      file,
      "# Local secrets for `wrangler dev`; never commit this file.\n" +
        "# Key ring for connection secrets: the first key encrypts, all keys decrypt.\n" +
        `TUTTI_MASTER_KEY="${newMasterKey()}"\n`,
      { mode: 0o600 },
    );
    console.log("  created .dev.vars with a new TUTTI_MASTER_KEY");
    return;
  }
  const content = readFileSync(file, "utf8");
  if (!/^\s*TUTTI_MASTER_KEY\s*=/m.test(content)) {
    appendFileSync(file, `${content.endsWith("\n") || content === "" ? "" : "\n"}TUTTI_MASTER_KEY="${newMasterKey()}"\n`);
    console.log("  added a new TUTTI_MASTER_KEY to .dev.vars");
    return;
  }
  // Keeping the existing key matters: connections saved earlier can only be decrypted with it.
  console.log("  .dev.vars already has TUTTI_MASTER_KEY; keeping it");
}

const wrangler = binOf("wrangler", "wrangler");
const vite = binOf("vite", "vite");

try {
  step("Local secrets");
  ensureDevVars();

  // The control database and every shard: the same migrations on each (docs/architecture.md#shards).
  for (const binding of d1Bindings(join(root, "wrangler.toml"))) {
    step(`Applying D1 migrations to the local database ${binding}`);
    await run(wrangler, ["d1", "migrations", "apply", binding, "--local"]);
  }

  if (values["skip-build"] && existsSync(join(root, "web/build/index.html"))) {
    step("Skipping the dashboard build (--skip-build)");
  } else {
    step("Building the dashboard");
    await run(vite, ["build"], join(root, "web"));
  }
} catch (error) {
  fail(error instanceof Error ? error.message : String(error));
}

step(`Starting Tutti on http://localhost:${port}`);
const dev = spawn(process.execPath, [wrangler, "dev", "--port", port], { cwd: root, stdio: "inherit" });
// Ctrl-C reaches wrangler through the terminal's process group; forward other stop signals explicitly.
for (const signal of ["SIGTERM", "SIGHUP"]) process.on(signal, () => dev.kill(signal));
process.on("SIGINT", () => undefined);
dev.on("exit", (code, signal) => process.exit(signal ? 1 : (code ?? 0)));
