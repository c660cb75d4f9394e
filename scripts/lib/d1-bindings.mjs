// The D1 bindings of wrangler.toml: the control database `DB` and every tenant shard (worker/db/shards.ts). Each gets
// the same migrations, so the scripts that apply them (npm start, the e2e server) apply them to every one of these.
import { readFileSync } from "node:fs";
import { join } from "node:path";

export function d1Bindings(root) {
  const toml = readFileSync(join(root, "wrangler.toml"), "utf8");
  return [...toml.matchAll(/\[\[d1_databases\]\]\s*\nbinding\s*=\s*"([^"]+)"/g)].map((m) => m[1]);
}
