#!/usr/bin/env node
// `npm run test:at -- <instant> [npm script]`: runs the suite (or one npm script) with every clock pinned to
// <instant>, e.g. `npm run test:at -- 2027-01-01T00:05:00Z` or `npm run test:at -- 2026-03-29T00:30:00Z test:workers`.
// The clock starts at the instant and then runs at the real rate. Node processes get it through a preload
// (NODE_OPTIONS), workerd through TUTTI_CLOCK_OFFSET_MS, Chromium through an init script — see test/clock and
// docs/testing.md. One offset is computed here, once, so every process agrees to the millisecond.
import { spawnSync } from "node:child_process";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";

const [instant, script = "test", ...given] = process.argv.slice(2);
const rest = given[0] === "--" ? given.slice(1) : given;
const at = Date.parse(instant ?? "");
if (!instant || Number.isNaN(at) || !/(Z|[+-]\d\d:\d\d)$/.test(instant)) {
  console.error("usage: npm run test:at -- <ISO instant with Z or an offset, e.g. 2027-01-01T00:05:00Z> [npm script]");
  process.exit(2);
}
const root = resolve(dirname(fileURLToPath(import.meta.url)), "..");
const preload = pathToFileURL(join(root, "test/clock/node-preload.mjs")).href;
const env = {
  ...process.env,
  TUTTI_TEST_NOW: instant,
  TUTTI_CLOCK_OFFSET_MS: String(at - Date.now()),
  NODE_OPTIONS: `${process.env.NODE_OPTIONS ?? ""} --import ${preload}`.trim(),
};
console.log(`▸ clock pinned to ${new Date(at).toISOString()} for npm run ${script}`);
const result = spawnSync("npm", ["run", script, ...(rest.length ? ["--", ...rest] : [])], { cwd: root, env, stdio: "inherit" });
process.exit(result.status ?? 1);
