// The D1 bindings of wrangler.toml: the control database `DB` and every tenant shard (worker/db/shards.ts). Each gets
// the same migrations, so the scripts that apply them (npm start, the e2e server) apply them to every one of these.
import { readFileSync } from "node:fs";

/** `config`: the path of a wrangler.toml (the repository's, or a benchmark's copy of it). */
export function d1Bindings(config) {
  const toml = readFileSync(config, "utf8");
  return [...toml.matchAll(/\[\[d1_databases\]\]\s*\nbinding\s*=\s*"([^"]+)"/g)].map((m) => m[1]);
}
