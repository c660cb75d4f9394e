import { mkdirSync, readdirSync, readFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { build } from "esbuild";
import type { Plugin } from "vite";

/**
 * The Worker as one module for the workerd test projects. Without it, each test file's runtime loads the Worker's ~800
 * source modules through Vite's module runner, one round trip to Node each (~4 ms apiece: ~3 s of every integration
 * file's start-up, the largest part of the workers layer; docs/testing.md has the measurements).
 *
 * esbuild bundles every module under worker/ into one file, each as a namespace (`export * as m12 from …`), with npm
 * packages left as imports so that tests and the Worker share Vite's pre-bundled copies. The plugin then answers every
 * import of a worker module — the pool's import of the main module, a test's or a helper's — with a stub re-exporting
 * that module's namespace from the bundle. So there is still exactly one instance of each module in a runtime: a
 * test that reads or resets a Worker module's state (a cache, a counter) reads the Worker's own.
 *
 * What a stub cannot keep: live bindings of `export let` (a module reassigning its own export; refused below)
 * and the module's evaluation order relative to the test's other imports (all of the Worker is evaluated at the first
 * import of any of it; modules under worker/ have no import cycles — `npm run check:cycles`). Type-only names that
 * esbuild cannot tell from values without the type checker become `undefined` exports, which nothing reads.
 */
export async function workerBundle(root: string): Promise<Plugin> {
  const dir = resolve(root, "worker");
  const files = readdirSync(dir, { recursive: true, encoding: "utf8" })
    .filter((f) => f.endsWith(".ts") && !f.endsWith(".d.ts"))
    .map((f) => join(dir, f))
    .sort();
  // A stub copies each export's value once, so a module reassigning its own export would go unseen by tests.
  for (const file of files) {
    if (/^export (let|var) /m.test(readFileSync(file, "utf8")))
      throw new Error(`${file}: \`export let\` cannot be re-exported from the test bundle; export a function or an object instead`);
  }
  const outdir = resolve(root, ".tmp/worker-bundle");
  mkdirSync(outdir, { recursive: true });
  const bundleFile = join(outdir, "worker.mjs");
  // Each module's export names, from esbuild's metafile of the files compiled one by one (nothing is written).
  const names = await build({
    absWorkingDir: root,
    entryPoints: files,
    bundle: false,
    write: false,
    metafile: true,
    format: "esm",
    outdir,
    logLevel: "silent",
  });
  const exportsOf = new Map<string, string[]>();
  for (const output of Object.values(names.metafile.outputs)) {
    if (output.entryPoint) exportsOf.set(resolve(root, output.entryPoint), output.exports);
  }
  await build({
    absWorkingDir: root,
    stdin: { contents: files.map((f, i) => `export * as m${i} from ${JSON.stringify(f)};`).join("\n"), resolveDir: root, loader: "js" },
    bundle: true,
    format: "esm",
    platform: "neutral",
    target: "es2022",
    packages: "external",
    external: ["cloudflare:*", "node:*"],
    // Renaming colliding top-level names must not change what `.name` says (error and class names are read).
    keepNames: true,
    sourcemap: "inline",
    sourcesContent: true,
    outfile: bundleFile,
    logLevel: "warning",
  });
  const stubs = new Map(files.map((f, i) => [f, stub(`m${i}`, exportsOf.get(f) ?? [], bundleFile)]));
  return {
    name: "tutti:worker-bundle",
    enforce: "pre",
    load(id) {
      return stubs.get(id.split("?")[0]);
    },
  };
}

function stub(namespace: string, names: string[], bundleFile: string): string {
  const lines = [`import { ${namespace} as ns } from ${JSON.stringify(bundleFile)};`];
  for (const name of names) lines.push(name === "default" ? "export default ns.default;" : `export const ${name} = ns.${name};`);
  return lines.join("\n");
}
