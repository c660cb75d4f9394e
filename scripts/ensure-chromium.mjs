#!/usr/bin/env node
// Run before the browser tests (`npm run test:e2e`): finds Chromium, and on a fresh Debian machine installs
// Debian's `chromium` package when it can (root and apt-get). Otherwise it stops with one line saying how.
import { execFileSync, spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { pathToFileURL } from "node:url";

/** Debian's chromium: $CHROMIUM_PATH, else `chromium` on PATH, else /usr/bin/chromium; null when none exists. */
export function findChromium() {
  if (process.env.CHROMIUM_PATH) return process.env.CHROMIUM_PATH;
  try {
    const found = execFileSync("sh", ["-c", "command -v chromium"], { encoding: "utf8", stdio: ["ignore", "pipe", "ignore"] }).trim();
    if (found) return found;
  } catch {
    // Not on PATH; try Debian's location.
  }
  return existsSync("/usr/bin/chromium") ? "/usr/bin/chromium" : null;
}

const HOW = "install Debian's chromium (`apt-get update && apt-get install -y chromium` as root) or set CHROMIUM_PATH to a Chromium binary";

function hasAptGet() {
  return spawnSync("sh", ["-c", "command -v apt-get"], { stdio: "ignore" }).status === 0;
}

function apt(args) {
  const result = spawnSync("apt-get", args, { stdio: "inherit", env: { ...process.env, DEBIAN_FRONTEND: "noninteractive" } });
  return result.status === 0;
}

function main() {
  if (process.env.CHROMIUM_PATH && !existsSync(process.env.CHROMIUM_PATH)) {
    console.error(`ensure-chromium: CHROMIUM_PATH=${process.env.CHROMIUM_PATH} does not exist: ${HOW}`);
    return 1;
  }
  const found = findChromium();
  if (found) return 0;
  const root = typeof process.getuid === "function" && process.getuid() === 0;
  if (!root || !hasAptGet()) {
    console.error(`ensure-chromium: the browser tests need Chromium and none was found: ${HOW}`);
    return 1;
  }
  console.log("ensure-chromium: Chromium not found; installing Debian's chromium package");
  if (!apt(["update"]) || !apt(["install", "-y", "chromium"]) || !findChromium()) {
    console.error(`ensure-chromium: installing chromium with apt-get failed (see above): ${HOW}`);
    return 1;
  }
  console.log(`ensure-chromium: installed ${findChromium()}`);
  return 0;
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? "").href) process.exit(main());
