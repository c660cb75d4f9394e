import { readFile } from "node:fs/promises";
import type { CliIO } from "./io";

/** The real process: files from disk, output to the terminal, the global fetch (Node 20). */
export const nodeIO: CliIO = {
  stdout: (line) => process.stdout.write(`${line}\n`),
  stderr: (line) => process.stderr.write(`${line}\n`),
  env: process.env,
  readFile: (path) => readFile(path, "utf8"),
  fetch: globalThis.fetch,
};
