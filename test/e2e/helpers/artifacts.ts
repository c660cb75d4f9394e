import { mkdirSync } from "node:fs";
import { join, relative } from "node:path";
import { afterEach } from "vitest";
import { repoRoot } from "./processes";

/** Screenshots and server logs of e2e runs; gitignored. */
export const artifactsDir = join(repoRoot, "test/e2e/artifacts");

/** The shared e2e server's wrangler dev output (kept after the run). */
export const serverLogPath = join(artifactsDir, "wrangler-dev.log");

/** A file name safe on every filesystem, from a test or page name. */
export function artifactPath(name: string, extension: string): string {
  mkdirSync(artifactsDir, { recursive: true });
  const safe = name
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, "-")
    .replace(/^-+|-+$/g, "")
    .slice(0, 100);
  return join(artifactsDir, `${safe}.${extension}`);
}

/**
 * After a failing test, says on stderr (which the test output shows under the failure) where its artifacts are:
 * the wrangler dev log, and whatever `save` wrote (a screenshot). Register it once per file.
 */
export function reportArtifactsOnFailure(logPath: () => string, save: (testName: string) => Promise<string | null> = async () => null) {
  afterEach(async (ctx) => {
    if (ctx.task.result?.state !== "fail") return;
    const saved = await save(ctx.task.name).catch(() => null);
    const lines = [`artifacts of the failed test "${ctx.task.name}":`, `  server log: ${relative(repoRoot, logPath())}`];
    if (saved) lines.push(`  screenshot: ${relative(repoRoot, saved)}`);
    console.error(lines.join("\n"));
  });
}
