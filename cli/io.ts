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
 * Exit codes: 0 success, 1 a spec or the server refused something (or the run did not succeed),
 * 2 the command line or environment is wrong, 3 `--wait` gave up at `--timeout` while the run goes on.
 */
export const EXIT = { ok: 0, failed: 1, usage: 2, timeout: 3 } as const;

/** A mistake in how the command was called; main() prints it with the usage line and exits 2. */
export class UsageError extends Error {}
