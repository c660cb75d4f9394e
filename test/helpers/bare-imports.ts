import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";

// `import … from "x"`, `export … from "x"`, `import "x"`; `import type`/`export type` are erased and load nothing.
const STATIC = /(?:^|\n)\s*(?:import|export)\s+(type\s+)?(?:[\w$*{},\s]*?\s*from\s*)?"([^"]+)"/g;
const DYNAMIC = /\bimport\(\s*"([^"]+)"\s*\)/g;

/**
 * Every npm package specifier (subpaths included, `drizzle-orm/sqlite-core`) that the TypeScript under `dirs` imports
 * at run time; relative paths, `node:`/`cloudflare:` modules and vitest itself are left out. vitest.config.ts pre-bundles
 * these for workerd: a subpath left out would load a second copy of its package beside the bundled one.
 */
export function bareImports(root: string, dirs: string[]): string[] {
  const found = new Set<string>();
  for (const dir of dirs) {
    for (const file of readdirSync(join(root, dir), { recursive: true, encoding: "utf8" })) {
      if (!file.endsWith(".ts")) continue;
      const text = readFileSync(join(root, dir, file), "utf8");
      for (const [, typeOnly, specifier] of text.matchAll(STATIC)) if (!typeOnly) found.add(specifier);
      for (const [, specifier] of text.matchAll(DYNAMIC)) found.add(specifier);
    }
  }
  return [...found].filter((s) => !/^[./]/.test(s) && !s.includes(":") && s !== "vitest" && !s.startsWith("vitest/")).sort();
}
