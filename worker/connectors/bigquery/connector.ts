import { ConnectorError } from "../http-errors";
import { render } from "../template";
import { field, num, str, testFailure } from "../tool-http";
import type { ConnectorContext, ConnectorDefinition, ExternalHandle, TaskOutcome } from "../types";
import { parseServiceAccountKey } from "./auth";
import { bigQueryClient, bigQueryError, errorReason } from "./client";
import { BigQueryConfig, BigQueryWith, GOOGLE_API_HOST } from "./schema";
import { bigQueryJobState, jobConsoleUrl, jobIdFor, labelValue, RUN_LABEL, TASK_LABEL } from "./status";

interface JobInfo {
  location: string;
  /** Insertions that got no answer (network error, 5xx): the next poll asks for the job and inserts it if missing. */
  unanswered?: number;
}

const UNANSWERED_STATUSES = new Set([500, 502, 503, 504]);
const MAX_UNANSWERED = 10;

function jobBody(ctx: ConnectorContext<BigQueryConfig>, input: BigQueryWith, jobId: string, location: string): Record<string, unknown> {
  const vars = { run_id: ctx.run.runId, task_id: ctx.run.taskKey, attempt: ctx.run.attempt, pipeline: ctx.run.pipeline, params: ctx.run.params };
  const parameters = Object.entries(input.query_parameters ?? {});
  return {
    jobReference: { projectId: ctx.config.project_id, jobId, location },
    configuration: {
      labels: { ...input.labels, [RUN_LABEL]: labelValue(ctx.run.runId), [TASK_LABEL]: labelValue(ctx.run.taskKey) },
      ...(input.job_timeout_ms !== undefined ? { jobTimeoutMs: String(input.job_timeout_ms) } : {}),
      query: {
        query: input.query,
        useLegacySql: false,
        ...(input.priority ? { priority: input.priority } : {}),
        ...(input.maximum_bytes_billed !== undefined ? { maximumBytesBilled: String(input.maximum_bytes_billed) } : {}),
        ...(parameters.length
          ? {
              parameterMode: "NAMED",
              queryParameters: parameters.map(([name, p]) => ({ name, parameterType: { type: p.type }, parameterValue: { value: render(p.value, vars) } })),
            }
          : {}),
      },
    },
  };
}

/** Inserts the attempt's job; a 409 `duplicate` is the job an earlier insertion of this attempt created. */
async function insert(ctx: ConnectorContext<BigQueryConfig>, input: BigQueryWith, jobId: string, info: JobInfo): Promise<TaskOutcome> {
  const handle: ExternalHandle = { externalId: jobId, externalUrl: jobConsoleUrl(ctx.config.project_id, info.location, jobId) };
  let problem: string;
  try {
    const r = await bigQueryClient(ctx).insertJob(jobBody(ctx, input, jobId, info.location));
    if (r.ok) return outcomeOf(ctx, r.json, { ...handle, state: { location: info.location } });
    if (r.status === 409 && errorReason(r.json) === "duplicate") return poll(ctx, { ...handle, state: { location: info.location } });
    if (!UNANSWERED_STATUSES.has(r.status)) throw new ConnectorError(bigQueryError(r));
    problem = `BigQuery answered HTTP ${r.status}`;
  } catch (err) {
    if (!(err instanceof ConnectorError) || err.error.kind !== "network") throw err;
    problem = err.message;
  }
  // BigQuery may or may not have the job. The job id is this attempt's, so the next poll asks for it and inserts it
  // only if it is missing: the query never runs twice.
  const unanswered = (info.unanswered ?? 0) + 1;
  if (unanswered >= MAX_UNANSWERED) throw new ConnectorError({ kind: "network", message: `${problem} (${unanswered} insertions unanswered)` });
  return { status: "running", ...handle, state: { location: info.location, unanswered } };
}

async function poll(ctx: ConnectorContext<BigQueryConfig>, handle: ExternalHandle): Promise<TaskOutcome> {
  const info = (handle.state ?? {}) as unknown as JobInfo;
  return outcomeOf(ctx, await bigQueryClient(ctx).getJob(handle.externalId!, info.location ?? ctx.config.location), handle);
}

async function outcomeOf(ctx: ConnectorContext<BigQueryConfig>, job: unknown, handle: ExternalHandle): Promise<TaskOutcome> {
  const s = bigQueryJobState(job);
  switch (s.state) {
    case "running":
      return { status: "running", ...handle };
    case "failed":
      return { status: "failed", error: { kind: "tool_failure", message: s.message }, ...handle };
    case "cancelled":
      return { status: "cancelled", reason: s.message, ...handle };
    case "succeeded": {
      const output = await jobOutput(ctx, job, handle);
      return { status: "succeeded", output, note: summary(output), ...handle };
    }
  }
}

/** What the job did: bytes and slot time, and its rows (affected by DML, or in the result of a SELECT). */
async function jobOutput(ctx: ConnectorContext<BigQueryConfig>, job: unknown, handle: ExternalHandle): Promise<Record<string, unknown>> {
  const stats = field(job, "statistics");
  const query = field(stats, "query");
  const statementType = str(field(query, "statementType"));
  let rows = num(field(query, "numDmlAffectedRows"));
  if (rows === null && statementType === "SELECT") {
    const location = ((handle.state ?? {}) as unknown as JobInfo).location ?? ctx.config.location;
    rows = num(field(await bigQueryClient(ctx).queryResults(handle.externalId!, { location, maxResults: 0 }), "totalRows"));
  }
  return {
    job_id: handle.externalId,
    statement_type: statementType,
    rows,
    // Byte and slot counts stay the strings BigQuery sent (int64 beyond 2^53 would lose digits as numbers).
    total_bytes_processed: str(field(query, "totalBytesProcessed")) ?? str(field(stats, "totalBytesProcessed")),
    total_bytes_billed: str(field(query, "totalBytesBilled")),
    total_slot_ms: str(field(query, "totalSlotMs")) ?? str(field(stats, "totalSlotMs")),
    cache_hit: field(query, "cacheHit") === true,
  };
}

/** What the task shows for a finished job: its rows, bytes billed and slot time. */
function summary(o: Record<string, unknown>): string {
  const parts = [
    o.rows !== null ? `${o.rows} ${o.statement_type === "SELECT" ? "rows" : "rows affected"}` : null,
    o.total_bytes_billed !== null ? `${o.total_bytes_billed} bytes billed` : null,
    o.total_slot_ms !== null ? `${o.total_slot_ms} slot-ms` : null,
    o.cache_hit ? "from cache" : null,
  ];
  return parts.filter(Boolean).join(", ") || "done";
}

/** BigQuery query jobs: insert under a per-attempt job id with run labels, follow jobs.get, cancel with jobs.cancel. */
export const bigQueryConnector: ConnectorDefinition<BigQueryWith, BigQueryConfig> = {
  kind: "bigquery",
  title: "Google BigQuery",
  withSchema: BigQueryWith,
  configSchema: BigQueryConfig,
  secretFields: ["service_account_key"],
  hostFields: ["api_url", "token_url"],
  outputs: {
    job_id: { type: "string", description: "BigQuery's job id" },
    statement_type: { type: "string", description: "`SELECT`, `INSERT`, `MERGE`, …" },
    rows: { type: "int", description: "Rows affected by DML, or in the result of a SELECT" },
    total_bytes_processed: { type: "int", description: "Bytes processed" },
    total_bytes_billed: { type: "int", description: "Bytes billed" },
    total_slot_ms: { type: "int", description: "Slot time in milliseconds" },
    cache_hit: { type: "bool", description: "The result came from BigQuery's cache" },
  },
  destinationHosts: { pattern: GOOGLE_API_HOST, description: "a googleapis.com host: the service account key is used only toward Google" },
  secretProblems(secrets) {
    const text = secrets.service_account_key;
    if (text === undefined) return [];
    const key = parseServiceAccountKey(text);
    return "problem" in key ? [{ path: "secrets.service_account_key", message: key.problem }] : [];
  },

  async trigger(ctx, input) {
    const location = input.location ?? ctx.config.location;
    return insert(ctx, input, jobIdFor(ctx.run), { location });
  },

  async poll(ctx, input, handle) {
    if (!handle.externalId) throw new ConnectorError({ kind: "tool_failure", message: "no BigQuery job id was recorded for this task" });
    const info = (handle.state ?? {}) as unknown as JobInfo;
    if (info.unanswered) {
      try {
        return await poll(ctx, handle);
      } catch (err) {
        // The unanswered insertion never reached BigQuery: insert it now, under the same job id.
        if (err instanceof ConnectorError && err.error.kind === "not_found") return insert(ctx, input, handle.externalId, info);
        throw err;
      }
    }
    return poll(ctx, handle);
  },

  async cancel(ctx, _input, handle) {
    if (!handle.externalId) return;
    const info = (handle.state ?? {}) as unknown as JobInfo;
    const r = await bigQueryClient(ctx).cancelJob(handle.externalId, info.location ?? ctx.config.location);
    // 404: BigQuery no longer knows the job (or never got it); nothing runs either way.
    if (!r.ok && r.status !== 404) throw new ConnectorError(bigQueryError(r));
  },

  async test(ctx) {
    try {
      // A dry run costs nothing and proves the token and bigquery.jobs.create in the project.
      await bigQueryClient(ctx).query({ query: "SELECT 1", useLegacySql: false, dryRun: true, location: ctx.config.location }, 25_000);
      const key = parseServiceAccountKey(ctx.secrets.service_account_key ?? "");
      return { ok: true, message: `signed in to BigQuery project ${ctx.config.project_id}${"problem" in key ? "" : ` as ${key.client_email}`}` };
    } catch (err) {
      return testFailure(err);
    }
  },
};
