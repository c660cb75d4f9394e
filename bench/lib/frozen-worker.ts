import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { basename, dirname, join, resolve } from "node:path";
import { binOf, runNode } from "../../test/e2e/helpers/processes";

/**
 * `wrangler dev` rebuilds and restarts the Worker whenever a source file changes — with several people editing
 * the tree, a benchmark then measures restarts ("Your worker restarted mid-request"). This bundles the Worker
 * once (`wrangler deploy --dry-run --outdir`) and writes a config that runs that bundle as is (`no_bundle`),
 * with every relative path of the original made absolute.
 */
export async function frozenConfig(configPath: string, entry?: string): Promise<{ config: string; cleanup(): void }> {
  const dir = mkdtempSync(join(tmpdir(), "tutti-frozen-"));
  const env = { ...process.env, WRANGLER_SEND_METRICS: "false", NO_COLOR: "1" };
  // `entry` runs another main module with the same bindings (bench/scale wraps Tutti's Worker).
  await runNode(binOf("wrangler"), ["deploy", "--dry-run", "--outdir", dir, "--config", configPath, ...(entry ? [entry] : [])], { env });
  const base = dirname(resolve(configPath));
  let text = readFileSync(configPath, "utf8");
  const main = /^main\s*=\s*"([^"]+)"/m.exec(text);
  if (!main) throw new Error(`${configPath} has no main`);
  const bundle = join(dir, basename(entry ?? main[1]).replace(/\.[cm]?[jt]sx?$/, ".js"));
  text = text.replace(main[0], `main = ${JSON.stringify(bundle)}\nno_bundle = true`);
  text = text.replace(/^(\s*(?:migrations_dir|directory)\s*=\s*)"([^"]+)"/gm, (_, key: string, path: string) => `${key}${JSON.stringify(resolve(base, path))}`);
  const config = join(dir, "wrangler.toml");
  writeFileSync(config, text);
  return { config, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}
