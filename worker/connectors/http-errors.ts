import type { TaskError } from "./types";

/** Maps a tool's HTTP failure to a task error, honouring Retry-After on 429/503. */
export function errorFromResponse(tool: string, res: Response, bodyText: string): TaskError {
  const snippet = bodyText.slice(0, 300).replace(/\s+/g, " ").trim();
  const detail = snippet ? `: ${snippet}` : "";
  if (res.status === 401 || res.status === 403) return { kind: "auth", message: `${tool} rejected the credentials (HTTP ${res.status})${detail}` };
  if (res.status === 404) return { kind: "not_found", message: `${tool} says not found (HTTP 404)${detail}` };
  if (res.status === 429 || res.status === 503) {
    const retryAfterMs = parseRetryAfter(res.headers.get("retry-after"));
    return { kind: "rate_limited", message: `${tool} is rate limiting (HTTP ${res.status})${detail}`, ...(retryAfterMs !== undefined ? { retryAfterMs } : {}) };
  }
  if (res.status >= 400 && res.status < 500) return { kind: "invalid_config", message: `${tool} refused the request (HTTP ${res.status})${detail}` };
  return { kind: "tool_failure", message: `${tool} failed (HTTP ${res.status})${detail}` };
}

export function parseRetryAfter(value: string | null): number | undefined {
  if (!value) return undefined;
  const seconds = Number(value);
  if (Number.isFinite(seconds)) return Math.max(0, seconds * 1000);
  const at = Date.parse(value);
  return Number.isNaN(at) ? undefined : Math.max(0, at - Date.now());
}

export function networkError(tool: string, err: unknown): TaskError {
  return { kind: "network", message: `could not reach ${tool}: ${err instanceof Error ? err.message : String(err)}` };
}

/** Thrown by connector clients; the dispatcher turns it into a failed outcome. */
export class ConnectorError extends Error {
  constructor(readonly error: TaskError) {
    super(error.message);
  }
}
