import { ConnectorError, errorFromResponse, networkError } from "../http-errors";
import { readPath } from "../json-path";
import { render, renderDeep } from "../template";
import type { ConnectorContext, ConnectorDefinition, ExternalHandle } from "../types";
import { HttpConfig, HttpWith, type HttpCondition } from "./schema";

const TOOL = "the HTTP endpoint";
const TIMEOUT_MS = 30_000;

export function conditionHolds(body: unknown, c: HttpCondition | undefined): boolean {
  if (!c) return false;
  const v = readPath(body, c.path);
  if (c.equals !== undefined && v === c.equals) return true;
  return c.in !== undefined && c.in.some((x) => x === v);
}

function vars(ctx: ConnectorContext<HttpConfig>, extra: Record<string, unknown> = {}) {
  return {
    run_id: ctx.run.runId,
    task_id: ctx.run.taskKey,
    attempt: ctx.run.attempt,
    pipeline: ctx.run.pipeline,
    params: ctx.run.params,
    callback_url: ctx.callbackUrl,
    ...extra,
  };
}

function resolveUrl(config: HttpConfig, url: string): string {
  if (/^https?:\/\//i.test(url)) return url;
  if (!config.base_url) throw new ConnectorError({ kind: "invalid_config", message: `"${url}" is relative and the connection has no base_url` });
  return new URL(url.replace(/^\//, ""), config.base_url.endsWith("/") ? config.base_url : `${config.base_url}/`).toString();
}

function authHeaders(secrets: Record<string, string>): Record<string, string> {
  if (secrets.authorization) return { authorization: secrets.authorization };
  if (secrets.bearer_token) return { authorization: `Bearer ${secrets.bearer_token}` };
  return {};
}

async function call(ctx: Pick<ConnectorContext<HttpConfig>, "config" | "secrets" | "fetch">, method: string, url: string, headers: Record<string, string>, body?: unknown) {
  let res: Response;
  try {
    res = await ctx.fetch(resolveUrl(ctx.config, url), {
      method,
      headers: {
        ...ctx.config.headers,
        ...headers,
        ...authHeaders(ctx.secrets),
        ...(body !== undefined ? { "content-type": "application/json" } : {}),
      },
      body: body !== undefined ? JSON.stringify(body) : undefined,
      signal: AbortSignal.timeout(TIMEOUT_MS),
    });
  } catch (err) {
    if (err instanceof ConnectorError) throw err;
    throw new ConnectorError(networkError(TOOL, err));
  }
  const text = await res.text();
  let json: unknown = null;
  try {
    json = text ? JSON.parse(text) : null;
  } catch {
    json = null;
  }
  return { res, text, json };
}

function handleFrom(input: HttpWith, json: unknown, previous?: ExternalHandle): ExternalHandle {
  const id = input.external_id_path ? readPath(json, input.external_id_path) : undefined;
  const link = input.external_url_path ? readPath(json, input.external_url_path) : undefined;
  return {
    externalId: id !== undefined && id !== null ? String(id) : previous?.externalId,
    externalUrl: typeof link === "string" ? link : previous?.externalUrl,
    state: previous?.state ?? { trigger_response: json },
  };
}

/** Calls any HTTP endpoint; completes on the response, by polling a status URL, or by a callback. */
export const httpConnector: ConnectorDefinition<HttpWith, HttpConfig> = {
  kind: "http",
  title: "HTTP endpoint",
  withSchema: HttpWith,
  configSchema: HttpConfig,
  secretFields: [],
  optionalSecretFields: ["authorization", "bearer_token"],

  async trigger(ctx, input) {
    const v = vars(ctx);
    const headers = { ...idempotencyHeader(ctx, input), ...renderHeaders(input.headers, v) };
    const { res, text, json } = await call(ctx, input.method, render(input.url, v), headers, input.body === undefined ? undefined : renderDeep(input.body, v));
    const accepted = input.accept_status ? input.accept_status.includes(res.status) : res.ok;
    if (!accepted) return { status: "failed", error: errorFromResponse(TOOL, res, text) };
    const handle = handleFrom(input, json);
    switch (input.completion.mode) {
      case "response":
        return { status: "succeeded", noNewData: conditionHolds(json, input.no_new_data), ...handle, output: { status_code: res.status } };
      case "poll":
      case "callback":
        return { status: "running", ...handle };
    }
  },

  async poll(ctx, input, handle) {
    if (input.completion.mode !== "poll") return { status: "running", ...handle };
    const v = vars(ctx, { external_id: handle.externalId ?? "", response: (handle.state as { trigger_response?: unknown } | undefined)?.trigger_response ?? null });
    const { res, text, json } = await call(ctx, "GET", render(input.completion.status_url, v), renderHeaders(input.headers, v));
    if (!res.ok) return { status: "failed", error: errorFromResponse(TOOL, res, text), ...handle };
    const next = handleFrom(input, json, handle);
    if (conditionHolds(json, input.completion.failure)) {
      const message = input.completion.message_path ? readPath(json, input.completion.message_path) : undefined;
      return { status: "failed", error: { kind: "tool_failure", message: typeof message === "string" && message ? message : "the tool reported failure" }, ...next };
    }
    if (conditionHolds(json, input.completion.success)) return { status: "succeeded", noNewData: conditionHolds(json, input.no_new_data), ...next };
    return { status: "running", ...next };
  },

  async cancel(ctx, input, handle) {
    if (!input.cancel) return;
    const v = vars(ctx, { external_id: handle.externalId ?? "" });
    const { res, text } = await call(ctx, input.cancel.method, render(input.cancel.url, v), renderHeaders(input.headers, v));
    if (!res.ok && res.status !== 404 && res.status !== 409) throw new ConnectorError(errorFromResponse(TOOL, res, text));
  },

  async test(ctx) {
    if (!ctx.config.base_url) return { ok: true };
    try {
      const { res, text } = await call(ctx, "GET", ctx.config.base_url, {});
      if (res.status === 401 || res.status === 403) return { ok: false, message: errorFromResponse(TOOL, res, text).message };
      return { ok: true };
    } catch (err) {
      return { ok: false, message: err instanceof Error ? err.message : String(err) };
    }
  },
};

/**
 * `Idempotency-Key` (IETF httpapi draft, as Stripe and most job APIs take it): one per task attempt, so a trigger
 * sent again for the same attempt (the process died after the tool accepted it, before Tutti recorded that) starts
 * no second job at a tool that honours it. A key set in the connection's or the task's headers wins.
 */
function idempotencyHeader(ctx: ConnectorContext<HttpConfig>, input: HttpWith): Record<string, string> {
  const named = [...Object.keys(ctx.config.headers), ...Object.keys(input.headers)].some((h) => h.toLowerCase() === "idempotency-key");
  return named ? {} : { "idempotency-key": `tutti:${ctx.run.runId}:${ctx.run.taskKey}:${ctx.run.attempt}` };
}

function renderHeaders(headers: Record<string, string>, v: Record<string, unknown>) {
  return Object.fromEntries(Object.entries(headers).map(([k, val]) => [k, render(val, v)]));
}

