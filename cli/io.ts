/** Everything a command touches outside itself, so tests can run commands without a terminal, files or a server. */
export interface CliIO {
  stdout(line: string): void;
  stderr(line: string): void;
  env: Record<string, string | undefined>;
  readFile(path: string): Promise<string>;
  fetch: typeof fetch;
}

/** Exit codes: 0 success, 1 a spec or the server refused something, 2 the command line or environment is wrong. */
export const EXIT = { ok: 0, failed: 1, usage: 2 } as const;

/** A mistake in how the command was called; main() prints it with the usage line and exits 2. */
export class UsageError extends Error {}
