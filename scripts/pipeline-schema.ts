/**
 * Writes docs/pipeline.schema.json (the editor schema of pipeline specs) from the same zod schemas the
 * API validates with, so the committed file cannot drift: `npm run schema`, then commit the result.
 * `--check` exits non-zero when the committed file is out of date.
 */
import { readFileSync, writeFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { shippedSpecJsonSchema } from "../worker/pipelines/registry-deps";

const target = fileURLToPath(new URL("../docs/pipeline.schema.json", import.meta.url));
const text = `${JSON.stringify(shippedSpecJsonSchema(), null, 2)}\n`;

if (process.argv.includes("--check")) {
  let current = "";
  try {
    current = readFileSync(target, "utf8");
  } catch {
    // missing counts as out of date
  }
  if (current !== text) {
    console.error("docs/pipeline.schema.json is out of date; run `npm run schema` and commit it");
    process.exit(1);
  }
  console.log("docs/pipeline.schema.json is up to date");
} else {
  writeFileSync(target, text);
  console.log(`wrote ${target}`);
}
