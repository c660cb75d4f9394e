import type { ApiFailure, ErrorDetail } from "./http";
import { EXIT, type CliIO } from "./io";
import { failureLines } from "./format";

export type LocatedDetail = ErrorDetail & { line?: number; column?: number };

/** An error as `--json` prints it: the API's error envelope, plus the HTTP status (0 when nothing answered). */
export interface ErrorDoc {
  code: string;
  message: string;
  status: number;
  /** Field errors (`path`), or for a spec's syntax errors its `line` and `column`. */
  details: LocatedDetail[];
  request_id: string | null;
}

export const errorDoc = (e: ApiFailure): ErrorDoc => ({ code: e.code, message: e.message, status: e.status, details: e.details, request_id: e.requestId });

/** Tutti did not answer, or failed on its side: the caller may try again (exit 4) rather than fix something (exit 1). */
export const isUnavailable = (e: ApiFailure) => e.status === 0 || e.status === 429 || e.status >= 500;

export const exitForFailure = (e: ApiFailure) => (isUnavailable(e) ? EXIT.unavailable : EXIT.failed);

/**
 * How a command answers. Without `--json`: human lines on stdout, problems on stderr. With `--json`: stdout carries
 * exactly one JSON document (the result, or `{ "error": … }`), and progress moves to stderr so CI logs still show it.
 */
export class Output {
  constructor(
    private readonly io: CliIO,
    readonly json: boolean,
  ) {}

  /** Something happening on the way (a task changed while waiting). */
  progress(line: string): void {
    if (this.json) this.io.stderr(line);
    else this.io.stdout(line);
  }

  /** A problem worth a line in the log that does not end the command. */
  warn(line: string): void {
    this.io.stderr(line);
  }

  /** The command's answer: `doc` under --json, else `lines`. */
  result(doc: unknown, lines: string[]): void {
    if (this.json) this.io.stdout(JSON.stringify(doc, null, 2));
    else lines.forEach((l) => this.io.stdout(l));
  }

  /** The command failed on an API answer: its lines on stderr (and the error document under --json); returns the exit code. */
  failure(label: string, e: ApiFailure): number {
    failureLines(label, e).forEach((l) => this.io.stderr(l));
    if (this.json) this.io.stdout(JSON.stringify({ error: errorDoc(e) }, null, 2));
    return exitForFailure(e);
  }

  /** The command failed on something local (a file, a missing setting): `line` on stderr, `{ "error": … }` under --json. */
  problem(line: string, error: { code: string; message: string }, exit: number = EXIT.failed): number {
    this.io.stderr(line);
    if (this.json) this.io.stdout(JSON.stringify({ error: localError(error.code, error.message) }, null, 2));
    return exit;
  }
}

/** An error found before or without an HTTP answer. */
export const localError = (code: string, message: string, details: LocatedDetail[] = []): ErrorDoc => ({ code, message, status: 0, details, request_id: null });
