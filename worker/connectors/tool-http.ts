import { ConnectorError, errorFromResponse, networkError } from "./http-errors";
import { fetchWithSecret } from "./secret-fetch";
import type { TaskError } from "./types";
import { log } from "../lib/log";

/** Per-request limit: a tool that has not answered in this time is treated as unreachable (the next poll retries). */
export const DEFAULT_TIMEOUT_MS = 30_000;

export interface ToolRequest {
  method?: string;
  /**
   * The connection's own origin (of its configured base URL). The request carries the connection's credentials, so
   * it is refused when `url` or a redirect leads anywhere else (secret-fetch.ts).
   */
  origin: string;
  url: string;
  headers?: Record<string, string>;
  /** Sent as JSON. */
  json?: unknown;
  /** Sent form-encoded (OAuth token endpoints); not together with `json`. */
  form?: Record<string, string>;
  /** Sent as it is, with the content type in `headers`: bytes a signature covers (AWS SigV4). */
  body?: string;
  timeoutMs?: number;
}

export interface ToolResponse {
  status: number;
  headers: Headers;
  text: string;
  /** Parsed body, or null when it is empty or not JSON. */
  json: unknown;
  ok: boolean;
}

/** `base` + `path` where base may carry a path prefix of its own (`https://host/api/public/v1`). */
export function joinUrl(base: string, path: string): string {
  return `${base.replace(/\/+$/, "")}/${path.replace(/^\/+/, "")}`;
}

/** One HTTP call to a tool: network failures and timeouts become `network` task errors, bodies are read once. */
export async function toolRequest(fetchFn: typeof fetch, tool: string, req: ToolRequest): Promise<ToolResponse> {
  let res: Response;
  try {
    const contentType = req.form ? "application/x-www-form-urlencoded" : req.json !== undefined ? "application/json" : null;
    res = await fetchWithSecret(fetchFn, req.origin, req.url, {
      method: req.method ?? "GET",
      headers: { accept: "application/json", ...(contentType ? { "content-type": contentType } : {}), ...req.headers },
      body: req.form ? new URLSearchParams(req.form).toString() : req.json !== undefined ? JSON.stringify(req.json) : req.body,
      signal: AbortSignal.timeout(req.timeoutMs ?? DEFAULT_TIMEOUT_MS),
    });
  } catch (err) {
    if (err instanceof ConnectorError) throw err;
    throw new ConnectorError(networkError(tool, err));
  }
  let text: string;
  try {
    text = await res.text();
  } catch (err) {
    throw new ConnectorError(networkError(tool, err));
  }
  return { status: res.status, headers: res.headers, text, json: parseJson(text), ok: res.ok };
}

/** Like toolRequest, but without reading the body: for artifacts that are streamed onwards. */
export async function toolStream(fetchFn: typeof fetch, tool: string, req: ToolRequest): Promise<Response> {
  try {
    return await fetchWithSecret(fetchFn, req.origin, req.url, {
      method: req.method ?? "GET",
      headers: req.headers,
      signal: AbortSignal.timeout(req.timeoutMs ?? DEFAULT_TIMEOUT_MS),
    });
  } catch (err) {
    if (err instanceof ConnectorError) throw err;
    throw new ConnectorError(networkError(tool, err));
  }
}

export function parseJson(text: string): unknown {
  if (!text) return null;
  try {
    return JSON.parse(text);
  } catch {
    return null;
  }
}

/** The tool's answer as a task error (401/403 auth, 404 not found, 429 with Retry-After, …). */
export function responseError(tool: string, r: Pick<ToolResponse, "status" | "headers" | "text">, detail?: string | null): TaskError {
  return errorFromResponse(tool, { status: r.status, headers: r.headers } as Response, detail ?? r.text);
}

/** Throws the mapped task error unless the response is 2xx; `detail` pulls the tool's own message out of the body. */
export function expectOk(tool: string, r: ToolResponse, detail?: (json: unknown) => string | null): ToolResponse {
  if (!r.ok) throw new ConnectorError(responseError(tool, r, detail?.(r.json)));
  return r;
}

/** Reads an object field without trusting the payload's shape. */
export function field(value: unknown, key: string): unknown {
  return value !== null && typeof value === "object" && !Array.isArray(value) ? (value as Record<string, unknown>)[key] : undefined;
}

export function str(value: unknown): string | null {
  if (typeof value === "string") return value;
  if (typeof value === "number" && Number.isFinite(value)) return String(value);
  return null;
}

export function num(value: unknown): number | null {
  if (typeof value === "number" && Number.isFinite(value)) return value;
  if (typeof value === "string" && value.trim() !== "" && Number.isFinite(Number(value))) return Number(value);
  return null;
}

/** ISO-8601 or epoch-ms → epoch ms; null for anything else. */
export function epochMs(value: unknown): number | null {
  if (typeof value === "number" && Number.isFinite(value)) return value;
  if (typeof value !== "string" || !value) return null;
  const ms = Date.parse(value);
  return Number.isNaN(ms) ? null : ms;
}

/** `test()` result from a thrown connector error or any other failure, without secret values. */
export function testFailure(err: unknown): { ok: false; message: string } {
  if (err instanceof ConnectorError) return { ok: false, message: err.message };
  return { ok: false, message: err instanceof Error ? err.message : String(err) };
}

/** Logs a value of an open enum Tutti does not know yet (CONTRACTS: store it, map it to a safe state, log it). */
export function logUnknownState(tool: string, what: string, value: unknown) {
  log.warn("unknown tool state", { tool, what, value: String(value).slice(0, 80) });
}
