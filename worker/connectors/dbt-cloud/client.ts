import { ConnectorError } from "../http-errors";
import { originOf } from "../../lib/urls";
import { expectOk, field, joinUrl, toolRequest, toolStream } from "../tool-http";
import type { DbtCloudConfig } from "./schema";
import { dbtErrorMessage } from "./status";

export const TOOL = "dbt Cloud";
/** Artifacts can be large (manifests of 100+ MB); give the download more time than an API call. */
const ARTIFACT_TIMEOUT_MS = 120_000;

interface Ctx {
  config: DbtCloudConfig;
  secrets: Record<string, string>;
  fetch: typeof fetch;
}

/** The dbt Cloud Administrative API v2 for one account, authenticated with a service token. */
export function dbtCloudClient(ctx: Ctx) {
  const token = ctx.secrets.api_token;
  if (!token) throw new ConnectorError({ kind: "invalid_config", message: "the dbt Cloud connection has no api_token" });
  const base = joinUrl(ctx.config.base_url, `api/v2/accounts/${ctx.config.account_id}/`);
  const origin = originOf(ctx.config.base_url)!;
  const headers = { authorization: `Token ${token}` };
  const call = async (method: string, path: string, json?: unknown) =>
    expectOk(TOOL, await toolRequest(ctx.fetch, TOOL, { method, origin, url: joinUrl(base, path), headers, json }), dbtErrorMessage);

  return {
    async account() {
      return field((await call("GET", "")).json, "data");
    },
    /** POST jobs/{id}/run/ → the new run (`data`). dbt Cloud has no idempotency key; the engine's claim guards the attempt. */
    async triggerRun(jobId: string, body: Record<string, unknown>) {
      return field((await call("POST", `jobs/${jobId}/run/`, body)).json, "data");
    },
    /**
     * POST jobs/{id}/rerun/ with no body (CONTRACTS-2 §7): dbt Cloud reruns the job's latest run from its point of
     * failure (only what failed or was skipped), or triggers a new run when that run did not fail. Answers the new run.
     */
    async rerunJob(jobId: string) {
      return field((await call("POST", `jobs/${jobId}/rerun/`)).json, "data");
    },
    /** The job's newest run (the one `rerun/` would rerun), or undefined when it has none. */
    async latestRun(jobId: string) {
      const q = new URLSearchParams({ job_definition_id: jobId, order_by: "-id", limit: "1" });
      const runs = field((await call("GET", `runs/?${q}`)).json, "data");
      return Array.isArray(runs) ? runs[0] : undefined;
    },
    async getRun(runId: string) {
      return field((await call("GET", `runs/${runId}/`)).json, "data");
    },
    /** The run with its steps, each with its high-level `logs` (CONTRACTS-2 §7). */
    async getRunWithSteps(runId: string) {
      return field((await call("GET", `runs/${runId}/?include_related=${encodeURIComponent('["run_steps"]')}`)).json, "data");
    },
    async cancelRun(runId: string) {
      return field((await call("POST", `runs/${runId}/cancel/`)).json, "data");
    },
    /** An artifact of the run as a stream, or null when the run produced none (404). */
    async artifact(runId: string, path: string, step?: number): Promise<ReadableStream<Uint8Array> | null> {
      const url = joinUrl(base, `runs/${runId}/artifacts/${path}${step ? `?step=${step}` : ""}`);
      const res = await toolStream(ctx.fetch, TOOL, { origin, url, headers, timeoutMs: ARTIFACT_TIMEOUT_MS });
      if (res.status === 404) {
        await res.body?.cancel();
        return null;
      }
      if (!res.ok) {
        const text = await res.text();
        expectOk(TOOL, { status: res.status, headers: res.headers, text, json: null, ok: false });
      }
      return res.body;
    },
  };
}
