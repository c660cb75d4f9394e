import { ConnectorError } from "../http-errors";
import { originOf } from "../../lib/urls";
import { field, joinUrl, responseError, str, toolRequest, type ToolResponse } from "../tool-http";
import type { TaskError } from "../types";
import { accessToken, forgetToken } from "./auth";
import type { BigQueryConfig } from "./schema";

export const TOOL = "BigQuery";

interface Ctx {
  config: BigQueryConfig;
  secrets: Record<string, string>;
  fetch: typeof fetch;
}

/** Google's error body `{error: {code, message, errors: [{reason, message}], status}}` → "reason: message". */
export function googleErrorMessage(json: unknown): string | null {
  const error = field(json, "error");
  const message = str(field(error, "message"));
  const first = field(error, "errors");
  const reason = Array.isArray(first) ? str(field(first[0], "reason")) : null;
  return message ? (reason ? `${reason}: ${message}` : message) : null;
}

export function errorReason(json: unknown): string | null {
  const errors = field(field(json, "error"), "errors");
  return Array.isArray(errors) ? str(field(errors[0], "reason")) : null;
}

/** Reasons Google documents as retryable (CONTRACTS-2 §2), whatever the status (403 rateLimitExceeded). */
const retryable = new Set(["rateLimitExceeded", "backendError"]);

/** A failed BigQuery answer as a task error: 403 rateLimitExceeded is a rate limit, not an auth problem. */
export function bigQueryError(r: ToolResponse): TaskError {
  const detail = googleErrorMessage(r.json);
  const reason = errorReason(r.json);
  if (reason && retryable.has(reason)) return { kind: reason === "rateLimitExceeded" ? "rate_limited" : "tool_failure", message: `BigQuery: ${detail}` };
  return responseError(TOOL, r, detail);
}

/** BigQuery REST v2 for one project, with the service account's access token. Responses are returned as they are. */
export function bigQueryClient(ctx: Ctx) {
  const project = `/bigquery/v2/projects/${encodeURIComponent(ctx.config.project_id)}`;
  const send = async (method: string, path: string, json?: unknown, timeoutMs?: number): Promise<ToolResponse> => {
    const r = await toolRequest(ctx.fetch, TOOL, {
      method,
      origin: originOf(ctx.config.api_url)!,
      url: joinUrl(ctx.config.api_url, `${project}${path}`),
      headers: { authorization: `Bearer ${await accessToken(ctx)}` },
      json,
      timeoutMs,
    });
    if (r.status === 401) await forgetToken(ctx);
    return r;
  };
  const ok = (r: ToolResponse) => {
    if (!r.ok) throw new ConnectorError(bigQueryError(r));
    return r.json;
  };
  const job = (jobId: string, location: string, suffix = "", extra: Record<string, string> = {}) =>
    `/jobs/${encodeURIComponent(jobId)}${suffix}?${new URLSearchParams({ location, ...extra })}`;
  return {
    /** jobs.query: runs a query and waits up to body.timeoutMs for it; `jobComplete: false` means poll getQueryResults. */
    query: async (body: Record<string, unknown>, timeoutMs: number) => ok(await send("POST", "/queries", body, timeoutMs)),
    /** jobs.getQueryResults: a page of a finished query's rows, or `jobComplete: false` after waiting up to timeoutMs. */
    queryResults: async (jobId: string, params: { location: string; pageToken?: string; maxResults?: number; timeoutMs?: number }) => {
      const q = new URLSearchParams({ location: params.location });
      if (params.pageToken) q.set("pageToken", params.pageToken);
      if (params.maxResults !== undefined) q.set("maxResults", String(params.maxResults));
      if (params.timeoutMs !== undefined) q.set("timeoutMs", String(params.timeoutMs));
      return ok(await send("GET", `/queries/${encodeURIComponent(jobId)}?${q}`, undefined, (params.timeoutMs ?? 0) + 30_000));
    },
    /** jobs.insert; returned unchecked, because 409 `duplicate` means the job already exists (a resubmission). */
    insertJob: (jobBody: Record<string, unknown>) => send("POST", "/jobs", jobBody),
    getJob: async (jobId: string, location: string) => ok(await send("GET", job(jobId, location))),
    cancelJob: (jobId: string, location: string) => send("POST", job(jobId, location, "/cancel")),
  };
}
