#!/usr/bin/env node
// `npm test`: every check and test layer, each an npm script of its own, run side by side where one does not need
// another's output (issue 12: the whole run under ten minutes on CI's two cores). A step starts once the steps it
// needs have passed and a place is free (one place per core).
// Each step's output is kept and printed whole when it ends, under its name, with its exit code and time, so
// parallel steps never interleave; a summary closes the run. After a failure no new step starts, the running ones
// finish, and the run exits non-zero. docs/testing.md ("Where the time goes") says what each step costs.
import { spawn } from "node:child_process";
import { availableParallelism } from "node:os";
import { dirname, resolve } from "node:path";
import { fileURLToPath } from "node:url";

const root = resolve(dirname(fileURLToPath(import.meta.url)), "..");

/**
 * `after`: steps that must have passed first. `places`: how many of the run's places (one per core) the step takes
 * while it runs; order is the order steps start in when several are ready, the longest first. The checks are one
 * busy process each, and the test layers start once every check has passed (as when `npm test` ran them one after
 * another, a tree that does not typecheck or lint runs no test). The workers and CLI layers then run side by side,
 * and the browser layer after them with both cores: run beside the others on CI's two cores (2026-12-07) it took
 * longer (532 → 699 s), and `wrangler dev`'s proxy, starved, answered a browser test's POST with "Your worker
 * restarted mid-request" (docs/testing.md, "A request wrangler dev leaves unanswered").
 */
const checks = [
  // The dashboard build is what the browser and CLI layers serve and the workers pool's ASSETS binding reads;
  // `vite build` also writes web/.svelte-kit, which svelte-check reads, so that check waits for the build.
  { name: "build:web" },
  { name: "typecheck:worker" },
  { name: "typecheck:web", after: ["build:web"] },
  { name: "check:cycles" },
  { name: "api:check" },
  { name: "types:env:check" },
  { name: "lint" },
  { name: "check:size" },
  { name: "build:cli" },
];
const allChecks = checks.map((c) => c.name);
const steps = [
  ...checks,
  // The workers and CLI layers side by side, one place each: the workers layer leaves about half a core idle (its
  // files wait on queues, alarms and the fakes) and the CLI layer waits more than it works (tenant:move waits out the
  // Worker's shard cache for most of a minute). Together 335 s against 285 s + 89 s one after the other (2026-12-07).
  { name: "test:workers", after: allChecks, places: 1 },
  { name: "test:cli", after: allChecks, places: 1 },
  // The browser layer keeps both cores to itself: it is CPU-bound (Chromium, both workerd and wrangler's node).
  { name: "test:e2e", after: ["test:workers", "test:cli"], places: 2 },
];

const places = Math.max(2, Math.min(availableParallelism(), 4));
const byName = new Map(steps.map((s) => [s.name, { ...s, after: s.after ?? [], places: Math.min(s.places ?? 1, places), state: "waiting" }]));
const only = process.argv.slice(2);
if (only.length) {
  // `node scripts/test.mjs lint typecheck:worker`: those steps alone (their `after` steps are not run).
  for (const name of only) if (!byName.has(name)) throw new Error(`no step ${name}; steps: ${[...byName.keys()].join(", ")}`);
  for (const [name, step] of byName) {
    if (!only.includes(name)) byName.delete(name);
    else step.after = step.after.filter((a) => only.includes(a));
  }
}

const started = Date.now();
const seconds = (ms) => `${(ms / 1000).toFixed(1)} s`;
const running = new Map();
let failed = false;

function free() {
  let used = 0;
  for (const step of running.values()) used += step.places;
  return places - used;
}

function startReady() {
  if (failed) return;
  for (const step of byName.values()) {
    if (step.state !== "waiting") continue;
    if (!step.after.every((a) => !byName.has(a) || byName.get(a).state === "passed")) continue;
    if (step.places > free()) continue;
    run(step);
  }
}

function run(step) {
  step.state = "running";
  step.startedAt = Date.now();
  running.set(step.name, step);
  console.log(`▸ ${step.name} started at +${seconds(step.startedAt - started)}`);
  // Its own process group, so stopping the run stops what the step started (npm, its shell, the tool) too.
  const child = spawn("npm", ["run", "--silent", step.name], { cwd: root, env: process.env, stdio: ["ignore", "pipe", "pipe"], detached: true });
  step.child = child;
  const chunks = [];
  child.stdout.on("data", (c) => chunks.push(c));
  child.stderr.on("data", (c) => chunks.push(c));
  child.on("error", (err) => chunks.push(Buffer.from(`${err}\n`)));
  child.on("close", (code, signal) => {
    step.ms = Date.now() - step.startedAt;
    step.code = code ?? signal;
    step.state = code === 0 ? "passed" : "failed";
    running.delete(step.name);
    const mark = code === 0 ? "✓" : "✗";
    const output = Buffer.concat(chunks).toString("utf8").replace(/\n*$/, "\n");
    process.stdout.write(`\n━━━ ${mark} ${step.name} (exit ${step.code}, ${seconds(step.ms)}) ━━━\n${output}`);
    if (code !== 0) failed = true;
    startReady();
    if (running.size === 0) finish();
  });
}

function finish() {
  console.log(`\n━━━ npm test: ${seconds(Date.now() - started)} ━━━`);
  for (const step of byName.values()) {
    const what = step.state === "waiting" ? "not run" : `exit ${step.code}`;
    const when = step.startedAt ? `+${seconds(step.startedAt - started)}`.padStart(9) : "".padStart(9);
    console.log(
      `${step.state === "passed" ? "✓" : step.state === "failed" ? "✗" : "–"} ${step.name.padEnd(18)} ${when} ${(step.ms ? seconds(step.ms) : "").padStart(9)}  ${what}`,
    );
  }
  process.exitCode = failed || [...byName.values()].some((s) => s.state !== "passed") ? 1 : 0;
}

function stopAll(signal) {
  failed = true;
  for (const step of running.values()) {
    try {
      process.kill(-step.child.pid, signal);
    } catch {
      // Already gone.
    }
  }
}
for (const signal of ["SIGINT", "SIGTERM", "SIGHUP"]) process.on(signal, () => stopAll(signal));
// Nothing is left running when this script dies of an error (a closed stdout, say).
process.on("uncaughtException", (err) => {
  stopAll("SIGTERM");
  console.error(err);
  process.exit(1);
});
process.stdout.on("error", () => stopAll("SIGTERM"));

startReady();
