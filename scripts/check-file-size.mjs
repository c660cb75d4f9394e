// Fails when a worker/**/*.ts file is longer than MAX_LINES (issue 14: small modules named for what they do), unless
// one of its first lines states why with a `// size:` comment — for a file that splitting would make harder to read,
// such as one state machine read top to bottom. Run by `npm test` as `npm run check:size`.
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";

const MAX_LINES = 350;
/** How far down the reason may sit (after a shebang or a tool directive, say). */
const REASON_WITHIN = 3;
const ROOT = "worker";

function* tsFiles(dir) {
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) yield* tsFiles(path);
    else if (entry.name.endsWith(".ts")) yield path;
  }
}

const offenders = [];
for (const file of tsFiles(ROOT)) {
  const lines = readFileSync(file, "utf8").split("\n");
  if (lines.at(-1) === "") lines.pop();
  if (lines.length <= MAX_LINES) continue;
  if (lines.slice(0, REASON_WITHIN).some((line) => /^\s*\/\/\s*size:\s*\S/.test(line))) continue;
  offenders.push(`${file}: ${lines.length} lines`);
}
if (offenders.length) {
  console.error(
    `Files in ${ROOT}/ over ${MAX_LINES} lines: split them along their seams into modules named for what they do, or state why not with a \`// size: <reason>\` comment in their first ${REASON_WITHIN} lines.\n  ${offenders.join("\n  ")}`,
  );
  process.exit(1);
}
console.log(`No file in ${ROOT}/ over ${MAX_LINES} lines without a stated reason.`);
