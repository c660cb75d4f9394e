import { mkdir, readdir, readFile, writeFile } from "node:fs/promises";
import { dirname } from "node:path";
import type { CliIO } from "./io";

/** The real process: files from disk, output to the terminal, the global fetch (Node 20). */
export const nodeIO: CliIO = {
  stdout: (line) => process.stdout.write(`${line}\n`),
  stderr: (line) => process.stderr.write(`${line}\n`),
  env: process.env,
  readFile: (path) => readFile(path, "utf8"),
  writeFile: async (path, text) => {
    await mkdir(dirname(path), { recursive: true });
    await writeFile(path, text, "utf8");
  },
  listDir: async (path) => (await readdir(path, { withFileTypes: true })).filter((e) => e.isFile()).map((e) => e.name),
  fetch: globalThis.fetch,
};
