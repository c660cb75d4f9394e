#!/usr/bin/env node
// `npm test`: every check and test layer, each an npm script of its own, run side by side where one does not need
// another's output (issue 12: the whole run under ten minutes on CI's two cores). A step starts once the steps it
// needs have passed and a place is free; the checks are single-threaded, so two run at a time on two cores.
// Each step's output is kept and printed whole when it ends, under its name, with its exit code and time, so
// parallel steps never interleave; a summary closes the run. After a failure no new step starts, the running ones
// finish, and the run exits non-zero. docs/testing.md ("Where the time goes") says what each step costs.
import { spawn } from "node:child_process";
import { availableParallelism } from "node:os";
import { dirname, resolve } from "node:path";
import { fileURLToPath } from "node:url";

const root = resolve(dirname(fileURLToPath(import.meta.url)), "..");

/**
 * `after`: steps that must have passed first. `slots`: how many of the run's places the step takes while it runs
 * (a test layer keeps both cores busy: the workers pool runs two files at once, and the browser and CLI layers are
 * a `wrangler dev`, Chromium and the test process each). Order is the order steps start in when several are ready.
 */
const steps = [
  // The dashboard build is what the browser and CLI layers serve and the workers pool's ASSETS binding reads;
  // `vite build` also writes web/.svelte-kit, which svelte-check reads, so that check waits for the build.
  { name: "build:web" },
  { name: "typecheck:worker" },
  { name: "lint" },
  { name: "check:cycles" },
  { name: "check:size" },
  { name: "api:check" },
  { name: "types:env:check" },
  { name: "build:cli" },
  { name: "typecheck:web", after: ["build:web"] },
  { name: "test:workers", after: ["build:web"], slots: 2 },
  // The CLI and browser layers each start their own `wrangler dev` (its own port and state) and run side by side:
  // most of their time is spent waiting on the server, the tool fakes and Chromium, not on the CPU.
  { name: "test:cli", after: ["build:web", "build:cli", "test:workers"], slots: 1 },
  { name: "test:e2e", after: ["build:web", "test:workers"], slots: 1 },
];

const places = Math.max(2, Math.min(availableParallelism(), 4));
const byName = new Map(steps.map((s) => [s.name, { ...s, after: s.after ?? [], slots: Math.min(s.slots ?? 1, places), state: "waiting" }]));
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
  for (const step of running.values()) used += step.slots;
  return places - used;
}

function startReady() {
  if (failed) return;
  for (const step of byName.values()) {
    if (step.state !== "waiting") continue;
    if (!step.after.every((a) => !byName.has(a) || byName.get(a).state === "passed")) continue;
    if (step.slots > free()) continue;
    run(step);
  }
}

function run(step) {
  step.state = "running";
  step.startedAt = Date.now();
  running.set(step.name, step);
  console.log(`▸ ${step.name} started at +${seconds(step.startedAt - started)}`);
  const child = spawn("npm", ["run", "--silent", step.name], { cwd: root, env: process.env, stdio: ["ignore", "pipe", "pipe"] });
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

for (const signal of ["SIGINT", "SIGTERM"]) {
  process.on(signal, () => {
    failed = true;
    for (const step of running.values()) step.child.kill(signal);
  });
}

startReady();
