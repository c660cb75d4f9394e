import { sha256Hex } from "../../lib/hash";
import { ConnectorError } from "../http-errors";
import { originOf } from "../../lib/urls";
import { expectOk, field, joinUrl, num, str, toolRequest, type ToolResponse } from "../tool-http";
import type { AirbyteConfig } from "./schema";
import { airbyteErrorMessage } from "./status";

export const TOOL = "Airbyte";
/** Airbyte's access tokens live a few minutes (CONTRACTS §5); renew this long before they expire. */
const RENEW_EARLY_MS = 30_000;
const DEFAULT_TOKEN_TTL_S = 180;
/** Pages of 100 jobs one collector window may list. */
const MAX_JOB_PAGES = 500;

interface Ctx {
  config: AirbyteConfig;
  secrets: Record<string, string>;
  fetch: typeof fetch;
}

/** Access tokens per (API, client), per isolate: a task polling every 30 s would otherwise mint one per poll. */
const tokenCache = new Map<string, { token: string; expiresAt: number }>();

async function cacheKey(ctx: Ctx) {
  return `${ctx.config.base_url}|${ctx.secrets.client_id}|${await sha256Hex(ctx.secrets.client_secret ?? "")}`;
}

async function clientCredentialsToken(ctx: Ctx, renew: boolean): Promise<string> {
  const key = await cacheKey(ctx);
  const cached = tokenCache.get(key);
  if (!renew && cached && cached.expiresAt - RENEW_EARLY_MS > Date.now()) return cached.token;
  const r = expectOk(
    TOOL,
    await toolRequest(ctx.fetch, TOOL, {
      method: "POST",
      origin: originOf(ctx.config.base_url)!,
      url: joinUrl(ctx.config.base_url, "applications/token"),
      json: { client_id: ctx.secrets.client_id, client_secret: ctx.secrets.client_secret, "grant-type": "client_credentials" },
    }),
    airbyteErrorMessage,
  );
  const token = str(field(r.json, "access_token"));
  if (!token) throw new ConnectorError({ kind: "auth", message: "Airbyte issued no access token for these client credentials" });
  tokenCache.set(key, { token, expiresAt: Date.now() + (num(field(r.json, "expires_in")) ?? DEFAULT_TOKEN_TTL_S) * 1000 });
  return token;
}

/** Airbyte public API v1: a static API token, or an application's client id + secret exchanged for short-lived tokens. */
export function airbyteClient(ctx: Ctx) {
  const usesClient = Boolean(ctx.secrets.client_id && ctx.secrets.client_secret);
  if (!usesClient && !ctx.secrets.api_token) {
    throw new ConnectorError({ kind: "invalid_config", message: "the Airbyte connection needs client_id and client_secret, or api_token" });
  }
  const bearer = (renew: boolean) => (usesClient ? clientCredentialsToken(ctx, renew) : Promise.resolve(ctx.secrets.api_token));

  async function callUrl(method: string, url: string, json?: unknown): Promise<ToolResponse> {
    const send = async (renew: boolean) =>
      toolRequest(ctx.fetch, TOOL, {
        method,
        origin: originOf(ctx.config.base_url)!,
        url,
        headers: { authorization: `Bearer ${await bearer(renew)}` },
        json,
      });
    let r = await send(false);
    // A cached token can expire early (revoked, clock skew): renew once before calling it an auth failure.
    if (r.status === 401 && usesClient) r = await send(true);
    return r;
  }
  const call = (method: string, path: string, json?: unknown) => callUrl(method, joinUrl(ctx.config.base_url, path), json);
  const ok = async (method: string, path: string, json?: unknown) => expectOk(TOOL, await call(method, path, json), airbyteErrorMessage);

  return {
    call,
    async listWorkspaces() {
      return field((await ok("GET", "workspaces?limit=1")).json, "data");
    },
    async getJob(jobId: string) {
      return (await ok("GET", `jobs/${encodeURIComponent(jobId)}`)).json;
    },
    async cancelJob(jobId: string) {
      const r = await call("DELETE", `jobs/${encodeURIComponent(jobId)}`);
      // Already finished or gone: nothing left to stop.
      if (r.status === 404 || r.status === 409) return;
      expectOk(TOOL, r, airbyteErrorMessage);
    },
    /**
     * The job with every attempt's logs, from the Config API (`POST /api/v1/jobs/get`; the public API has no log
     * endpoint, CONTRACTS-2 §7). It sits beside the public API on the same host: `…/api/public/v1` → `…/api/v1`.
     */
    async jobWithLogs(jobId: string) {
      const base = new URL(ctx.config.base_url);
      const configApi = base.pathname.replace(/\/+$/, "").endsWith("/api/public/v1")
        ? `${base.origin}${base.pathname.replace(/\/+$/, "").slice(0, -"/public/v1".length)}/v1`
        : `${base.origin}/api/v1`;
      const r = await callUrl("POST", joinUrl(configApi, "jobs/get"), { id: Number(jobId) });
      return expectOk(TOOL, r, airbyteErrorMessage).json;
    },
    /**
     * Every job last updated in [from, to) of the workspaces the credentials can see (public API `GET /jobs` with
     * updatedAtStart/updatedAtEnd), following `next` page by page. Bounded: a listing that never ends is an error.
     */
    async jobsUpdatedBetween(from: number, to: number): Promise<unknown[]> {
      const q = new URLSearchParams({
        updatedAtStart: new Date(from).toISOString(),
        updatedAtEnd: new Date(to).toISOString(),
        limit: "100",
        orderBy: "updatedAt|ASC",
      });
      const jobs: unknown[] = [];
      let url: string | null = joinUrl(ctx.config.base_url, `jobs?${q}`);
      for (let page = 0; url; page++) {
        if (page >= MAX_JOB_PAGES)
          throw new ConnectorError({ kind: "tool_failure", message: `Airbyte listed more than ${MAX_JOB_PAGES} pages of jobs for one window` });
        const json: unknown = expectOk(TOOL, await callUrl("GET", url), airbyteErrorMessage).json;
        const data = field(json, "data");
        if (Array.isArray(data)) jobs.push(...data);
        // `next` is a full URL on the same API (toolRequest refuses any other origin).
        url = Array.isArray(data) && data.length ? str(field(json, "next")) : null;
      }
      return jobs;
    },
    /** The connection's most recently updated jobs (first page, ≤ 100). */
    async recentJobs(connectionId: string, jobType: string) {
      const q = new URLSearchParams({ connectionId, jobType, limit: "20", orderBy: "updatedAt|DESC" });
      const data = field((await ok("GET", `jobs?${q}`)).json, "data");
      return Array.isArray(data) ? data : [];
    },
  };
}
