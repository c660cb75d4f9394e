import { mkdirSync } from "node:fs";
import { join } from "node:path";
import { repoRoot } from "./processes";

/** Screenshots and server logs of e2e runs; gitignored. */
export const artifactsDir = join(repoRoot, "test/e2e/artifacts");

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
