/** Everything a command touches outside itself, so tests can run commands without a terminal, files or a server. */
export interface CliIO {
  stdout(line: string): void;
  stderr(line: string): void;
  env: Record<string, string | undefined>;
  readFile(path: string): Promise<string>;
  /** Creates missing parent directories. */
  writeFile(path: string, text: string): Promise<void>;
  /** File names (not paths) directly in a directory; rejects when it is not a directory. */
  listDir(path: string): Promise<string[]>;
  fetch: typeof fetch;
}

/**
 * Exit codes, the same for every command (`tutti --help` and the README list them):
 * 0 success; 1 Tutti refused something (a spec, a token, a conflict) or the run did not succeed;
 * 2 the command line or the environment (TUTTI_TOKEN, TUTTI_URL) is wrong; 3 `--wait` gave up at `--timeout`
 * while the work goes on; 4 Tutti could not be reached or failed (network error, 5xx, 429): worth retrying.
 */
export const EXIT = { ok: 0, failed: 1, usage: 2, timeout: 3, unavailable: 4 } as const;

export const EXIT_HELP = [
  "  0  success",
  "  1  Tutti refused something (a spec, a token, a conflict), or the run did not succeed",
  "  2  wrong command line or environment (TUTTI_TOKEN, TUTTI_URL)",
  "  3  --wait gave up at --timeout; the run goes on",
  "  4  Tutti could not be reached or failed (network error, 5xx, 429): worth retrying",
];

/** A mistake in how the command was called; main() prints it with the usage line and exits 2. */
export class UsageError extends Error {}
