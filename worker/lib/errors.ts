export const errorCodes = [
  "not_found",
  "validation_failed",
  "unauthorized",
  "forbidden",
  /** The workspace requires a second factor and the signed-in person has none yet: set one up under /me/mfa. */
  "mfa_required",
  "conflict",
  "rate_limited",
  "payload_too_large",
  "unsupported_media_type",
  "internal",
  /** The workspace is briefly read-only (moved between databases): retry after the Retry-After header's seconds. */
  "unavailable",
] as const;
export type ErrorCode = (typeof errorCodes)[number];

export const statusByCode: Record<ErrorCode, 400 | 401 | 403 | 404 | 409 | 413 | 415 | 429 | 500 | 503> = {
  validation_failed: 400,
  unauthorized: 401,
  forbidden: 403,
  mfa_required: 403,
  not_found: 404,
  conflict: 409,
  payload_too_large: 413,
  unsupported_media_type: 415,
  rate_limited: 429,
  internal: 500,
  unavailable: 503,
};

export interface ErrorDetail {
  path: string;
  message: string;
  /** Where the problem is in a text the request carried (a pipeline spec), 1-based; absent elsewhere. */
  line?: number;
  column?: number;
}

/** The one error type the API throws; `onError` turns it into the JSON envelope. */
export class ApiError extends Error {
  constructor(
    readonly code: ErrorCode,
    message: string,
    readonly details: ErrorDetail[] = [],
    readonly headers: Record<string, string> = {},
  ) {
    super(message);
  }
  get status() {
    return statusByCode[this.code];
  }
}

export const notFound = (what: string) => new ApiError("not_found", `${what} not found`);
export const forbidden = (message: string) => new ApiError("forbidden", message);
export const conflict = (message: string, details: ErrorDetail[] = []) => new ApiError("conflict", message, details);
/** 415 for a body whose Content-Type is not JSON (the framework's check and the hand-read ingest bodies alike). */
export const notJson = () =>
  new ApiError("unsupported_media_type", "Content-Type must be application/json", [{ path: "header.Content-Type", message: "must be application/json" }]);
export const invalid = (path: string, message: string) => new ApiError("validation_failed", `${path}: ${message}`, [{ path, message }]);

const inMiB = (bytes: number) => (bytes % (1024 * 1024) === 0 ? `${bytes / (1024 * 1024)} MiB` : `${bytes} bytes`);

/** 413 naming the limit: `manifest is larger than 256 MiB (268435456 bytes) after decompression`. */
export function tooLarge(what: string, max: number, afterDecompression = false): ApiError {
  const message = `larger than ${inMiB(max)} (${max} bytes)${afterDecompression ? " after decompression" : ""}`;
  return new ApiError("payload_too_large", `${what} is ${message}`, [{ path: what, message }]);
}

/** `["tasks", 1, "depends_on", 0]` → `tasks[1].depends_on[0]`. */
export function formatPath(path: ReadonlyArray<PropertyKey>): string {
  let out = "";
  for (const part of path) {
    if (typeof part === "number") out += `[${part}]`;
    else out += out ? `.${String(part)}` : String(part);
  }
  return out;
}

interface IssueLike {
  path: ReadonlyArray<PropertyKey>;
  message: string;
  code?: string;
  keys?: string[];
}

/** Zod issues → error details; unknown keys are reported one per key so each path is exact. */
export function detailsFromIssues(issues: ReadonlyArray<IssueLike>, prefix: string[] = []): ErrorDetail[] {
  const out: ErrorDetail[] = [];
  for (const issue of issues) {
    const base = [...prefix, ...issue.path];
    if (issue.code === "unrecognized_keys" && issue.keys) {
      for (const key of issue.keys) out.push({ path: formatPath([...base, key]), message: "unknown field" });
    } else {
      out.push({ path: formatPath(base) || "(root)", message: issue.message });
    }
  }
  return out;
}

export function validationError(issues: ReadonlyArray<IssueLike>, prefix: string[] = []): ApiError {
  const details = detailsFromIssues(issues, prefix);
  const first = details[0];
  const message = first ? `${first.path}: ${first.message}` : "invalid input";
  return new ApiError("validation_failed", message, details);
}
