import { ConnectorError, errorFromResponse, networkError } from "../http-errors";
import { isHttpUrl, originOf } from "../../lib/urls";
import { readPath } from "../json-path";
import { fetchWithSecret } from "../secret-fetch";
import { sensorTiming } from "../sensor";
import { render, renderDeep } from "../template";
import type { ConnectorContext, ConnectorDefinition, ExternalHandle, TaskOutcome } from "../types";
import { HttpConfig, HttpWith, type HttpCondition } from "./schema";
import { sectionedLog } from "../../logs/format";

const TOOL = "the HTTP endpoint";
const TIMEOUT_MS = 30_000;

export function conditionHolds(body: unknown, c: HttpCondition | undefined): boolean {
  if (!c) return false;
  const v = readPath(body, c.path);
  if (c.equals !== undefined && v === c.equals) return true;
  return c.in?.some((x) => x === v) ?? false;
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

/**
 * A request's URL as its log section names it: the task's URL with its placeholders filled in (`/jobs/job_3`, not
 * `/jobs/{{external_id}}`), except the callback URL, whose signature lets its holder report the task's outcome.
 */
const loggedUrl = (template: string, v: Record<string, unknown>) => render(template, { ...v, callback_url: "{{callback_url}}" });

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

/**
 * One request of a task. On a connection with a base_url every request, polls of URLs taken from a tool's response
 * and redirects included, stays on that origin (fetchWithSecret refuses the rest), and only then carries the
 * connection's credentials. Without a base_url the connection has no origin to trust, so nothing secret is sent.
 */
async function call(
  ctx: Pick<ConnectorContext<HttpConfig>, "config" | "secrets" | "fetch">,
  method: string,
  url: string,
  headers: Record<string, string>,
  body?: unknown,
) {
  const target = resolveUrl(ctx.config, url);
  const origin = ctx.config.base_url ? originOf(ctx.config.base_url) : null;
  const init = {
    method,
    headers: {
      ...ctx.config.headers,
      ...headers,
      ...(origin ? authHeaders(ctx.secrets) : {}),
      ...(body !== undefined ? { "content-type": "application/json" } : {}),
    },
    body: body !== undefined ? JSON.stringify(body) : undefined,
    signal: AbortSignal.timeout(TIMEOUT_MS),
  };
  let res: Response;
  try {
    res = origin ? await fetchWithSecret(ctx.fetch, origin, target, init) : await ctx.fetch(target, init);
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
    // The link is shown in the dashboard: only http(s), never a `javascript:` URL a tool put in its response.
    externalUrl: isHttpUrl(link) ? link : previous?.externalUrl,
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
  hostFields: ["base_url"],
  outputs: { status_code: { type: "int", description: "HTTP status of the final answer" } },
  selectedOutputs: (input) =>
    Object.fromEntries(Object.keys(input.outputs ?? {}).map((name) => [name, { type: "dyn", description: `${input.outputs![name]} of the final answer` }])),
  destinationProblems: (input, config) => {
    if (!config.base_url) return [];
    const origin = originOf(config.base_url)!;
    const urls: Array<[Array<string | number>, string | undefined]> = [
      [["url"], input.url],
      [["completion", "status_url"], input.completion.mode === "poll" ? input.completion.status_url : undefined],
      [["cancel", "url"], input.cancel?.url],
    ];
    return urls.flatMap(([path, url]) => {
      const problem = url === undefined ? null : leavesOrigin(url, origin);
      return problem ? [{ path, message: problem }] : [];
    });
  },

  sensor: (input) => sensorTiming(input.sensor),

  async trigger(ctx, input) {
    if (input.sensor) return poke(ctx, input, input.sensor.success);
    const v = vars(ctx);
    const headers = { ...idempotencyHeader(ctx, input), ...renderHeaders(input.headers, v) };
    const { res, text, json } = await call(ctx, input.method, render(input.url, v), headers, input.body === undefined ? undefined : renderDeep(input.body, v));
    // The attempt's log is the endpoint's answer (redacted and capped where it is stored).
    const log = sectionedLog([{ title: `${input.method} ${loggedUrl(input.url, v)} → HTTP ${res.status}`, text }]);
    const accepted = input.accept_status ? input.accept_status.includes(res.status) : res.ok;
    if (!accepted) return { status: "failed", error: errorFromResponse(TOOL, res, text), log };
    const handle = handleFrom(input, json);
    switch (input.completion.mode) {
      case "response":
        return { status: "succeeded", noNewData: conditionHolds(json, input.no_new_data), ...handle, output: selectOutputs(input, res.status, json), log };
      case "poll":
      case "callback":
        return { status: "running", ...handle, log };
    }
  },

  async poll(ctx, input, handle) {
    if (input.sensor) return poke(ctx, input, input.sensor.success);
    if (input.completion.mode !== "poll") return { status: "running", ...handle };
    const triggerResponse = (handle.state as { trigger_response?: unknown } | undefined)?.trigger_response ?? null;
    const v = vars(ctx, { external_id: handle.externalId ?? "", response: triggerResponse });
    const { res, text, json } = await call(ctx, "GET", render(input.completion.status_url, v), renderHeaders(input.headers, v));
    // The trigger's answer (kept in the handle) and the latest status answer.
    const log = sectionedLog([
      { title: `${input.method} ${loggedUrl(input.url, vars(ctx))} (trigger response)`, text: JSON.stringify(triggerResponse, null, 2) },
      { title: `GET ${loggedUrl(input.completion.status_url, v)} → HTTP ${res.status}`, text },
    ]);
    if (!res.ok) return { status: "failed", error: errorFromResponse(TOOL, res, text), ...handle, log };
    const next = handleFrom(input, json, handle);
    if (conditionHolds(json, input.completion.failure)) {
      const message = input.completion.message_path ? readPath(json, input.completion.message_path) : undefined;
      return {
        status: "failed",
        error: { kind: "tool_failure", message: typeof message === "string" && message ? message : "the tool reported failure" },
        ...next,
        log,
      };
    }
    if (conditionHolds(json, input.completion.success))
      return { status: "succeeded", noNewData: conditionHolds(json, input.no_new_data), ...next, output: selectOutputs(input, res.status, json), log };
    return { status: "running", ...next, log };
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
 * One look of a sensor: the task's request again. An accepted answer meeting `success` ends the task; any other
 * accepted answer is "not yet" (the engine looks again after the interval). Without an Idempotency-Key: every poke
 * must get a fresh answer, not the one a server kept for the key.
 */
async function poke(ctx: ConnectorContext<HttpConfig>, input: HttpWith, success: HttpCondition): Promise<TaskOutcome> {
  const v = vars(ctx);
  const { res, text, json } = await call(
    ctx,
    input.method,
    render(input.url, v),
    renderHeaders(input.headers, v),
    input.body === undefined ? undefined : renderDeep(input.body, v),
  );
  const log = sectionedLog([{ title: `${input.method} ${loggedUrl(input.url, v)} → HTTP ${res.status}`, text }]);
  const accepted = input.accept_status ? input.accept_status.includes(res.status) : res.ok;
  if (!accepted) return { status: "failed", error: errorFromResponse(TOOL, res, text), log };
  if (!conditionHolds(json, success)) return { status: "running", log };
  return {
    status: "succeeded",
    noNewData: conditionHolds(json, input.no_new_data),
    ...handleFrom(input, json),
    output: selectOutputs(input, res.status, json),
    log,
  };
}

/** `status_code` and the fields `with.outputs` selects from the final JSON answer (missing paths are not reported). */
function selectOutputs(input: HttpWith, status: number, json: unknown): Record<string, unknown> {
  const selected = Object.entries(input.outputs ?? {}).map(([name, path]) => [name, readPath(json, path)]);
  return { status_code: status, ...Object.fromEntries(selected) };
}

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

/**
 * Why a task URL (a template) may lead away from the connection's origin, or null. A relative URL is joined to the
 * base_url; an absolute one must name the origin literally, up to the end of the host, so no template value can
 * change the host (`https://api.example.com{{x}}` could become `…example.com.evil.net`). Values rendered at call time
 * (a poll URL from the tool's response) are checked again then.
 */
export function leavesOrigin(template: string, origin: string): string | null {
  if (!/^\s*[a-z][a-z0-9+.-]*:/i.test(template)) return null;
  const literal = template.split("{{")[0];
  const hostEnds = literal === template || /^[a-z][a-z0-9+.-]*:\/\/[^/?#]*[/?#]/i.test(literal.trim());
  if (hostEnds && originOf(literal.trim()) === origin) return null;
  return `must be a path under the connection's base_url or an absolute URL on its origin ${origin}: the connection's credentials go nowhere else`;
}
