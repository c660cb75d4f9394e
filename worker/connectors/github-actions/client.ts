import { ConnectorError, networkError } from "../http-errors";
import { originOf } from "../../lib/urls";
import { DEFAULT_TIMEOUT_MS, field, joinUrl, parseJson, responseError, toolRequest, type ToolResponse } from "../tool-http";
import type { GitHubActionsConfig } from "./schema";
import { gitHubErrorMessage, gitHubRateLimit } from "./status";

export const TOOL = "GitHub";

interface Ctx {
  config: GitHubActionsConfig;
  secrets: Record<string, string>;
  fetch: typeof fetch;
}

export interface RepoRef {
  owner: string;
  repo: string;
}

/** GitHub REST API for one repository's Actions, with a token that has `actions:write` (or `repo`). */
export function gitHubClient(ctx: Ctx) {
  const token = ctx.secrets.token;
  if (!token) throw new ConnectorError({ kind: "invalid_config", message: "the GitHub Actions connection has no token" });
  const headers = {
    authorization: `Bearer ${token}`,
    accept: "application/vnd.github+json",
    "x-github-api-version": ctx.config.api_version,
    "user-agent": "tutti",
  };

  async function call(method: string, path: string, json?: unknown): Promise<ToolResponse> {
    const r = await toolRequest(ctx.fetch, TOOL, { method, origin: originOf(ctx.config.base_url)!, url: joinUrl(ctx.config.base_url, path), headers, json });
    const limited = gitHubRateLimit(r.status, r.headers, Date.now());
    if (limited) throw new ConnectorError(limited);
    return r;
  }
  const ok = async (method: string, path: string, json?: unknown) => {
    const r = await call(method, path, json);
    if (!r.ok) throw new ConnectorError(responseError(TOOL, r, gitHubErrorMessage(r.json)));
    return r;
  };
  const repoPath = (ref: RepoRef) => `/repos/${encodeURIComponent(ref.owner)}/${encodeURIComponent(ref.repo)}`;

  return {
    async rateLimit() {
      return (await ok("GET", "/rate_limit")).json;
    },
    async repository(ref: RepoRef) {
      return (await ok("GET", repoPath(ref))).json;
    },
    /** 200 {workflow_run_id, html_url} when GitHub honours return_run_details; 204 (null) from older servers. */
    async dispatch(ref: RepoRef, workflow: string, body: Record<string, unknown>) {
      const r = await ok("POST", `${repoPath(ref)}/actions/workflows/${encodeURIComponent(workflow)}/dispatches`, body);
      return r.status === 204 ? null : r.json;
    },
    /** Recent workflow_dispatch runs of the workflow on `branch` created at or after `since` (first page, newest first). */
    async recentDispatchRuns(ref: RepoRef, workflow: string, branch: string, since: string): Promise<unknown[]> {
      const q = new URLSearchParams({ event: "workflow_dispatch", branch, created: `>=${since}`, per_page: "30" });
      const runs = field((await ok("GET", `${repoPath(ref)}/actions/workflows/${encodeURIComponent(workflow)}/runs?${q}`)).json, "workflow_runs");
      return Array.isArray(runs) ? runs : [];
    },
    async getRun(ref: RepoRef, runId: string) {
      return (await ok("GET", `${repoPath(ref)}/actions/runs/${encodeURIComponent(runId)}`)).json;
    },
    /** The run's latest jobs (first page of 100; CONTRACTS-2 §7). */
    async listJobs(ref: RepoRef, runId: string): Promise<unknown[]> {
      const jobs = field((await ok("GET", `${repoPath(ref)}/actions/runs/${encodeURIComponent(runId)}/jobs?filter=latest&per_page=100`)).json, "jobs");
      return Array.isArray(jobs) ? jobs : [];
    },
    /**
     * A job's plain-text log. GitHub answers 302 to a short-lived URL on another host: it is fetched without the token
     * (the URL itself is the permission), so the connection's credentials stay with GitHub's API.
     */
    async jobLog(ref: RepoRef, jobId: string): Promise<string | null> {
      const url = joinUrl(ctx.config.base_url, `${repoPath(ref)}/actions/jobs/${encodeURIComponent(jobId)}/logs`);
      const read = async (target: string, init: RequestInit) => {
        try {
          const res = await ctx.fetch(target, { ...init, signal: AbortSignal.timeout(DEFAULT_TIMEOUT_MS) });
          return { res, text: await res.text() };
        } catch (err) {
          throw new ConnectorError(networkError(TOOL, err));
        }
      };
      // The API URL is on the connection's own origin (built from base_url), and the redirect is not followed with the token.
      const first = await read(url, { headers, redirect: "manual" });
      const location = first.res.headers.get("location");
      const { res, text } = first.res.status >= 300 && first.res.status < 400 && location ? await read(new URL(location, url).toString(), {}) : first;
      if (res.status === 404 || res.status === 410) return null;
      if (!res.ok) throw new ConnectorError(responseError(TOOL, { status: res.status, headers: res.headers, text }, gitHubErrorMessage(parseJson(text))));
      return text;
    },
    /** Re-runs the run's failed jobs (and what depends on them) as a new `run_attempt` of the same run (CONTRACTS-2 §7). */
    async rerunFailedJobs(ref: RepoRef, runId: string) {
      await ok("POST", `${repoPath(ref)}/actions/runs/${encodeURIComponent(runId)}/rerun-failed-jobs`, { enable_debug_logging: false });
    },
    async cancelRun(ref: RepoRef, runId: string) {
      const r = await call("POST", `${repoPath(ref)}/actions/runs/${encodeURIComponent(runId)}/cancel`);
      // 409: the run already completed; nothing to stop.
      if (!r.ok && r.status !== 409) throw new ConnectorError(responseError(TOOL, r, gitHubErrorMessage(r.json)));
    },
  };
}
