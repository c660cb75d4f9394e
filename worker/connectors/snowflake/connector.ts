import { ConnectorError } from "../http-errors";
import { render } from "../template";
import { field, num, responseError, str, testFailure, type ToolResponse } from "../tool-http";
import type { ConnectorContext, ConnectorDefinition, ExternalHandle, TaskError, TaskOutcome } from "../types";
import { snowflakeClient, TOOL } from "./client";
import { firstPartition, ResultSetError } from "./result-set";
import { SENSOR_POKE_TIMEOUT_SECONDS, SnowflakeConfig, SnowflakeWith } from "./schema";
import { conditionMet } from "./sensor-condition";
import { queryTag, requestIdFor, snowflakeErrorMessage, statementState } from "./status";
import { statementCount } from "./statements";
import { sensorTiming } from "../sensor";

interface StatementInfo {
  query_tag: string;
  warehouse: string | null;
  database: string | null;
  schema: string | null;
  role: string | null;
  created_on: number | null;
  /** Filled when the statement ends: what cost attribution needs (query ids) and how it ended. */
  handles?: string[];
  outcome?: "succeeded" | "failed" | "cancelled";
  num_rows?: number | null;
  error?: string | null;
  ended_at?: number;
  /** Submissions that got no answer (network error, 5xx): the next poll resubmits the requestId with retry=true. */
  unanswered?: number;
}

/** Submit answers that do not say whether Snowflake has the statement. */
const UNANSWERED_STATUSES = new Set([500, 502, 503, 504]);
/** After this many unanswered submissions in a row the attempt fails (and the task's retry policy takes over). */
const MAX_UNANSWERED = 10;

/** Where a task row links to: the query's page in Snowsight is per account, so the account URL's query history. */
const queryLink = (config: SnowflakeConfig, handle: string) => `${config.base_url.replace(/\/+$/, "")}/#/compute/history/queries/${handle}/detail`;

function bodyFor(ctx: ConnectorContext<SnowflakeConfig>, input: SnowflakeWith, tag: string): Record<string, unknown> {
  const vars = { run_id: ctx.run.runId, task_id: ctx.run.taskKey, attempt: ctx.run.attempt, pipeline: ctx.run.pipeline, params: ctx.run.params };
  const statements = statementCount(input.statement);
  const count = input.multi_statement_count ?? (statements > 1 ? statements : undefined);
  const pick = (key: "warehouse" | "database" | "schema" | "role") => input[key] ?? ctx.config[key];
  return {
    statement: input.statement,
    ...(input.timeout_seconds !== undefined ? { timeout: input.timeout_seconds } : {}),
    ...Object.fromEntries((["warehouse", "database", "schema", "role"] as const).filter((k) => pick(k)).map((k) => [k, pick(k)])),
    ...(input.bindings
      ? { bindings: Object.fromEntries(Object.entries(input.bindings).map(([pos, b]) => [pos, { type: b.type, value: render(b.value, vars) }])) }
      : {}),
    parameters: { query_tag: tag, ...(count !== undefined ? { MULTI_STATEMENT_COUNT: String(count) } : {}) },
  };
}

/**
 * The attempt's log: what Snowflake answered about the statement when it ended (HTTP status, `code`, `sqlState`,
 * `message`, handles, rows). A failed statement's 422 carries the error details (CONTRACTS-2 §7).
 */
function statementLog(r: ToolResponse, externalId: string | undefined): string {
  const handles = field(r.json, "statementHandles");
  const rows = num(field(field(r.json, "resultSetMetaData"), "numRows"));
  const state = statementState(r.status, r.json);
  const dml = state.state === "succeeded" ? state.dml : null;
  const lines = [
    `statement ${externalId ?? "(no handle)"}: HTTP ${r.status}`,
    ...(["code", "sqlState", "message"] as const).flatMap((k) => {
      const v = str(field(r.json, k));
      return v ? [`${k}: ${v}`] : [];
    }),
    ...(Array.isArray(handles) && handles.length ? [`statementHandles: ${handles.map(String).join(", ")}`] : []),
    ...(rows !== null ? [`rows: ${rows}`] : []),
    ...(dml ? [`rows inserted: ${dml.inserted}, updated: ${dml.updated}, deleted: ${dml.deleted}`] : []),
  ];
  return `${lines.join("\n")}\n`;
}

function outcomeOf(r: ToolResponse, handle: ExternalHandle, info: StatementInfo): TaskOutcome {
  const s = statementState(r.status, r.json);
  const externalId = str(field(r.json, "statementHandle")) ?? handle.externalId;
  const at = (state: StatementInfo): ExternalHandle & { log: string } => ({ externalId, state: { ...state }, log: statementLog(r, externalId) });
  switch (s.state) {
    case "running":
      return { status: "running", externalId, state: { ...info } };
    case "succeeded":
      return {
        status: "succeeded",
        // A DML statement that changed no row lets `skip_downstream_if_no_new_data` skip what depends on it; a
        // query or DDL statement has no DML stats and reports nothing either way.
        noNewData: s.dml !== null && s.dml.inserted + s.dml.updated + s.dml.deleted === 0,
        output: { query_id: externalId, rows: s.numRows, query_ids: s.handles },
        ...at({ ...info, handles: s.handles, outcome: "succeeded", num_rows: s.numRows, error: null, ended_at: Date.now() }),
      };
    case "failed":
      return {
        status: "failed",
        error: { kind: "tool_failure", message: s.message },
        ...at({ ...info, handles: externalId ? [externalId] : [], outcome: "failed", error: s.message, ended_at: Date.now() }),
      };
    case "cancelled":
      return {
        status: "cancelled",
        reason: s.message,
        ...at({ ...info, handles: externalId ? [externalId] : [], outcome: "cancelled", error: s.message, ended_at: Date.now() }),
      };
    case "http_error":
      throw new ConnectorError(responseError(TOOL, r, snowflakeErrorMessage(r.json)));
  }
}

/** Snowflake SQL API: submit asynchronously with a per-attempt requestId and the Tutti query tag, poll 202 → 200/422/408. */
export const snowflakeConnector: ConnectorDefinition<SnowflakeWith, SnowflakeConfig> = {
  kind: "snowflake",
  title: "Snowflake SQL",
  withSchema: SnowflakeWith,
  configSchema: SnowflakeConfig,
  secretFields: [],
  optionalSecretFields: ["private_key", "token"],
  hostFields: ["base_url", "account"],
  outputs: {
    query_id: { type: "string", description: "The statement handle (Snowflake's query id)" },
    rows: { type: "int", description: "Rows in the result (`resultSetMetaData.numRows`)" },
    query_ids: { type: "dyn", description: "Every statement's query id, for a multi-statement request" },
  },

  sensor: (input) => sensorTiming(input.sensor),

  async trigger(ctx, input) {
    if (input.sensor) return poke(ctx, input, {});
    const tag = queryTag(ctx.run);
    const body = bodyFor(ctx, input, tag);
    const info: StatementInfo = {
      query_tag: tag,
      warehouse: (body.warehouse as string | undefined) ?? null,
      database: (body.database as string | undefined) ?? null,
      schema: (body.schema as string | undefined) ?? null,
      role: (body.role as string | undefined) ?? null,
      created_on: null,
    };
    // A resubmitted trigger (the first delivery died after calling Snowflake) must not run the statement twice.
    return submit(ctx, body, info, ctx.run.resubmission === true);
  },

  async poll(ctx, input, handle) {
    if (input.sensor) return poke(ctx, input, handle);
    const pending = (handle.state ?? null) as StatementInfo | null;
    // The submission got no answer: ask again with the same requestId and retry=true, which learns what happened to
    // it (or submits it now if it never arrived) without executing it a second time.
    if (!handle.externalId && pending?.unanswered) return submit(ctx, bodyFor(ctx, input, pending.query_tag), pending, true);
    if (!handle.externalId) throw new ConnectorError({ kind: "tool_failure", message: "no Snowflake statement handle was recorded for this task" });
    const r = await snowflakeClient(ctx).status(handle.externalId);
    return withLink(ctx.config, outcomeOf(r, handle, (handle.state ?? {}) as unknown as StatementInfo));
  },

  async cancel(ctx, input, handle) {
    // A sensor's handle names its last poke, a statement that ended with its one request.
    if (!handle.externalId || input.sensor) return;
    const r = await snowflakeClient(ctx).cancel(handle.externalId);
    // 422: it already ended; 404: Snowflake no longer knows it. Either way nothing runs.
    if (!r.ok && r.status !== 422 && r.status !== 404) throw new ConnectorError(responseError(TOOL, r, snowflakeErrorMessage(r.json)));
  },

  async test(ctx) {
    try {
      const r = await snowflakeClient(ctx).submit(
        { statement: "SELECT CURRENT_USER(), CURRENT_ACCOUNT()", timeout: 20 },
        { requestId: crypto.randomUUID(), async: false, timeoutMs: 25_000 },
      );
      if (r.status !== 200 && r.status !== 202) throw new ConnectorError(responseError(TOOL, r, snowflakeErrorMessage(r.json)));
      const row = field(r.json, "data");
      const user = Array.isArray(row) && Array.isArray(row[0]) ? str(row[0][0]) : null;
      return { ok: true, message: user ? `signed in to Snowflake as ${user}` : "signed in to Snowflake" };
    } catch (err) {
      return testFailure(err);
    }
  },

  /** One cost fact per query id the statement produced (child handles for multi-statement requests). */
  async collect(_ctx, input, outcome, sink) {
    const info = outcome.state as unknown as StatementInfo | undefined;
    if (!input.collect_cost || !info?.handles?.length) return;
    await sink.costFacts(
      "snowflake",
      info.handles.map((queryId) => ({
        externalRef: queryId,
        startedAt: info.created_on,
        endedAt: info.ended_at ?? null,
        facts: {
          query_id: queryId,
          query_tag: info.query_tag,
          warehouse: info.warehouse,
          database: info.database,
          schema: info.schema,
          role: info.role,
          outcome: info.outcome,
          num_rows: info.num_rows ?? null,
          error: info.error ?? null,
          ...(info.handles!.length > 1 ? { parent_statement_handle: outcome.externalId } : {}),
        },
      })),
    );
  },
};

/** Submits the attempt's statement under its deterministic requestId; `retry` marks a resubmission. */
async function submit(ctx: ConnectorContext<SnowflakeConfig>, body: Record<string, unknown>, info: StatementInfo, retry: boolean): Promise<TaskOutcome> {
  let r: ToolResponse | null = null;
  let problem: string;
  try {
    r = await snowflakeClient(ctx).submit(body, { requestId: await requestIdFor(ctx.run), async: true, retry });
    problem = `Snowflake answered HTTP ${r.status}`;
  } catch (err) {
    if (!(err instanceof ConnectorError) || err.error.kind !== "network") throw err;
    problem = err.message;
  }
  if (!r || UNANSWERED_STATUSES.has(r.status)) {
    // Snowflake may or may not have started the statement. Failing now would start the next attempt under a new
    // requestId and could run it twice; instead the next poll resubmits this one with retry=true.
    const unanswered = (info.unanswered ?? 0) + 1;
    if (unanswered >= MAX_UNANSWERED) {
      throw new ConnectorError(
        r ? responseError(TOOL, r, snowflakeErrorMessage(r.json)) : { kind: "network", message: `${problem} (${unanswered} submissions unanswered)` },
      );
    }
    return { status: "running", state: { ...info, unanswered } };
  }
  const outcome = outcomeOf(r, {}, { ...info, unanswered: 0, created_on: num(field(r.json, "createdOn")) ?? Date.now() });
  if (!outcome.externalId) throw new ConnectorError({ kind: "tool_failure", message: "Snowflake accepted the statement but returned no statementHandle" });
  return withLink(ctx.config, outcome);
}

function withLink<T extends ExternalHandle>(config: SnowflakeConfig, outcome: T): T {
  return { ...outcome, externalUrl: outcome.externalId ? queryLink(config, outcome.externalId) : undefined };
}

/** Answers a sensor's poke meets again: rate limited, or the SQL API's server errors. */
const TRANSIENT_STATUSES = new Set([429, ...UNANSWERED_STATUSES]);
/** How soon a poke that met a transient error looks again, unless the tool's Retry-After asks for longer. */
const TRANSIENT_RETRY_MS = 30_000;

/**
 * One look of a sensor: the task's query as a synchronous statement with a short `timeout`, so it ends in its one
 * request (a fresh requestId each time: every poke must run the query again, not get the last answer back). The first
 * column of the first row being true ends the task succeeded; any other answer is "not yet". A failed query fails the
 * task with Snowflake's message; a transient answer (429, 5xx, no answer) is looked at again soon, and fails the
 * attempt only after MAX_UNANSWERED of them in a row.
 */
async function poke(ctx: ConnectorContext<SnowflakeConfig>, input: SnowflakeWith, handle: ExternalHandle): Promise<TaskOutcome> {
  const timeout = input.timeout_seconds ?? SENSOR_POKE_TIMEOUT_SECONDS;
  const body = { ...bodyFor(ctx, input, queryTag(ctx.run)), timeout };
  const client = snowflakeClient(ctx);
  const transient = ((handle.state as { transient_errors?: number } | undefined)?.transient_errors ?? 0) + 1;
  const again = (error: TaskError, log?: string): TaskOutcome => {
    if (transient >= MAX_UNANSWERED) throw new ConnectorError({ ...error, message: `${error.message} (${transient} pokes in a row)` });
    const pollAfterMs = Math.max(error.retryAfterMs ?? 0, TRANSIENT_RETRY_MS);
    return { status: "running", pollAfterMs, state: { transient_errors: transient }, ...(log ? { log } : {}) };
  };
  let r: ToolResponse;
  try {
    r = await client.submit(body, { requestId: crypto.randomUUID(), async: false, timeoutMs: (timeout + 15) * 1000 });
  } catch (err) {
    if (err instanceof ConnectorError && err.error.kind === "network") return again(err.error);
    throw err;
  }
  const externalId = str(field(r.json, "statementHandle")) ?? undefined;
  const log = statementLog(r, externalId);
  if (TRANSIENT_STATUSES.has(r.status)) return again(responseError(TOOL, r, snowflakeErrorMessage(r.json)), log);
  const state = statementState(r.status, r.json);
  switch (state.state) {
    case "running":
      // Queued past the ~45 s a synchronous request waits: stop it rather than keep a statement to follow.
      if (externalId) await client.cancel(externalId).catch(() => undefined);
      return again({ kind: "timeout", message: "the sensor's query was still queued or running when Snowflake stopped waiting; it was cancelled" }, log);
    case "failed":
      return { status: "failed", error: { kind: "tool_failure", message: state.message }, ...withLink(ctx.config, { externalId }), log };
    case "cancelled":
      return { status: "cancelled", reason: state.message, ...withLink(ctx.config, { externalId }), log };
    case "http_error":
      throw new ConnectorError(responseError(TOOL, r, snowflakeErrorMessage(r.json)));
    case "succeeded":
      break;
  }
  let met: boolean;
  try {
    met = conditionMet(firstPartition(r.json));
  } catch (err) {
    if (!(err instanceof ResultSetError)) throw err;
    throw new ConnectorError({ kind: "tool_failure", message: err.message });
  }
  const where = { ...withLink(ctx.config, { externalId }), state: { transient_errors: 0 }, log: `${log}condition: ${met ? "met" : "not met yet"}\n` };
  if (!met) return { status: "running", ...where };
  return { status: "succeeded", output: { query_id: externalId, rows: state.numRows, query_ids: state.handles }, ...where };
}
