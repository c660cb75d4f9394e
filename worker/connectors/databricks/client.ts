import { ConnectorError } from "../http-errors";
import { originOf } from "../../lib/urls";
import { expectOk, field, joinUrl, str, toolRequest } from "../tool-http";
import type { DatabricksConfig } from "./schema";
import { databricksErrorMessage } from "./status";

export const TOOL = "Databricks";
/** Pages of a run's tasks followed (cost facts, task outputs); jobs with more tasks than this are cut off. */
const MAX_TASK_PAGES = 50;

interface Ctx {
  config: DatabricksConfig;
  secrets: Record<string, string>;
  fetch: typeof fetch;
}

/** Databricks Jobs API 2.2 with a personal access token or an OAuth M2M token. */
export function databricksClient(ctx: Ctx) {
  const token = ctx.secrets.token;
  if (!token) throw new ConnectorError({ kind: "invalid_config", message: "the Databricks connection has no token" });
  const headers: Record<string, string> = {
    authorization: `Bearer ${token}`,
    ...(ctx.config.workspace_id ? { "x-databricks-workspace-id": ctx.config.workspace_id } : {}),
  };
  const call = async (method: string, path: string, json?: unknown) =>
    expectOk(
      TOOL,
      await toolRequest(ctx.fetch, TOOL, { method, origin: originOf(ctx.config.base_url)!, url: joinUrl(ctx.config.base_url, path), headers, json }),
      databricksErrorMessage,
    );

  const getRun = async (runId: string, pageToken?: string) => {
    const q = new URLSearchParams({ run_id: runId, ...(pageToken ? { page_token: pageToken } : {}) });
    return (await call("GET", `/api/2.2/jobs/runs/get?${q}`)).json;
  };

  const allTasks = async (runId: string, first: unknown) => {
    const tasks: unknown[] = [...asArray(field(first, "tasks"))];
    let next = str(field(first, "next_page_token"));
    for (let page = 1; next && page < MAX_TASK_PAGES; page++) {
      const more = await getRun(runId, next);
      tasks.push(...asArray(field(more, "tasks")));
      next = str(field(more, "next_page_token"));
    }
    return tasks;
  };

  return {
    async listJobs() {
      return (await call("GET", "/api/2.2/jobs/list?limit=1")).json;
    },
    async runNow(body: Record<string, unknown>) {
      return (await call("POST", "/api/2.2/jobs/run-now", body)).json;
    },
    getRun,
    /** Every task of a run whose first page is `first` (2.2 pages `tasks` with next_page_token). */
    allTasks,
    /** The run with every page of its tasks. */
    async getRunWithAllTasks(runId: string) {
      const first = await getRun(runId);
      return { run: first, tasks: await allTasks(runId, first) };
    },
    /** SQL Statement Execution (CONTRACTS-2 §3a): a failed statement is HTTP 200 with status.state FAILED. */
    async executeStatement(body: Record<string, unknown>) {
      return (await call("POST", "/api/2.0/sql/statements", body)).json;
    },
    async getStatement(statementId: string) {
      return (await call("GET", `/api/2.0/sql/statements/${encodeURIComponent(statementId)}`)).json;
    },
    /** A result chunk by the relative `next_chunk_internal_link` the previous one named (same origin). */
    async getChunk(internalLink: string) {
      if (!internalLink.startsWith("/api/2.0/sql/statements/"))
        throw new ConnectorError({ kind: "tool_failure", message: `Databricks named an unexpected result chunk link ${internalLink.slice(0, 80)}` });
      return (await call("GET", internalLink)).json;
    },
    /**
     * A task run's output (CONTRACTS-2 §3c): `logs` (stdout/stderr, last 5 MB; not for notebook tasks), `notebook_output`
     * {result, truncated} (the `dbutils.notebook.exit` value), `error`, `error_trace`. A multi-task parent answers 400.
     */
    async getOutput(taskRunId: string) {
      return (await call("GET", `/api/2.2/jobs/runs/get-output?run_id=${encodeURIComponent(taskRunId)}`)).json;
    },
    /** POST runs/repair (CONTRACTS-2 §3c) → `{repair_id}`; repaired task runs get new run ids inside the same run. */
    async repairRun(body: Record<string, unknown>) {
      return (await call("POST", "/api/2.2/jobs/runs/repair", body)).json;
    },
    async cancelRun(runId: string) {
      await call("POST", "/api/2.2/jobs/runs/cancel", { run_id: Number(runId) });
    },
  };
}

const asArray = (v: unknown): unknown[] => (Array.isArray(v) ? v : []);
