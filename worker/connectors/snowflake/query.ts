import { ConnectorError } from "../http-errors";
import { responseError, type ToolResponse } from "../tool-http";
import { snowflakeClient, TOOL } from "./client";
import { firstPartition, partitionData, rowsByName, type Row } from "./result-set";
import type { SnowflakeConfig } from "./schema";
import { snowflakeErrorMessage, statementState } from "./status";

export interface SnowflakeQuery {
  statement: string;
  /** Values of the `?` placeholders, in order, all sent as TEXT (the statement casts them). */
  bindings: string[];
  warehouse?: string | null;
  role?: string | null;
  queryTag: string;
  timeoutSeconds: number;
}

/** Status reads while a statement Snowflake turned asynchronous (after ~45 s) is still running. */
const MAX_STATUS_READS = 20;
const STATUS_WAIT_MS = 3000;

/**
 * Runs a read-only query through the SQL API and returns every row by column name, following result partitions.
 * A statement still running after the bounded wait, or one Snowflake refused, throws a ConnectorError whose message
 * quotes Snowflake's (CONTRACTS-2 §1: 422 failure body, 408 timeout, 401 JWT).
 */
export async function querySnowflake(
  ctx: { config: SnowflakeConfig; secrets: Record<string, string>; fetch: typeof fetch },
  q: SnowflakeQuery,
  wait: (ms: number) => Promise<void> = (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
): Promise<Row[]> {
  const client = snowflakeClient(ctx);
  const warehouse = q.warehouse ?? ctx.config.warehouse;
  const role = q.role ?? ctx.config.role;
  const body = {
    statement: q.statement,
    timeout: q.timeoutSeconds,
    ...(warehouse ? { warehouse } : {}),
    ...(role ? { role } : {}),
    bindings: Object.fromEntries(q.bindings.map((value, i) => [String(i + 1), { type: "TEXT", value }])),
    parameters: { query_tag: q.queryTag },
  };
  let r = await client.submit(body, { requestId: crypto.randomUUID(), async: false, timeoutMs: (q.timeoutSeconds + 15) * 1000 });
  for (let reads = 0; statementState(r.status, r.json).state === "running"; reads++) {
    const handle = firstHandle(r);
    if (reads >= MAX_STATUS_READS || !handle)
      throw new ConnectorError({ kind: "timeout", message: "the Snowflake query was still running; the next pass reads again" });
    await wait(STATUS_WAIT_MS);
    r = await client.status(handle);
  }
  const state = statementState(r.status, r.json);
  if (state.state === "failed" || state.state === "cancelled") throw new ConnectorError({ kind: "tool_failure", message: state.message });
  if (state.state === "http_error") throw new ConnectorError(responseError(TOOL, r, snowflakeErrorMessage(r.json)));
  const first = firstPartition(r.json);
  const data = [...first.data];
  for (let n = 1; n < first.partitions; n++) {
    if (!first.handle) throw new ConnectorError({ kind: "tool_failure", message: "Snowflake sent result partitions without a statementHandle" });
    const page = await client.partition(first.handle, n);
    if (page.status !== 200) throw new ConnectorError(responseError(TOOL, page, snowflakeErrorMessage(page.json)));
    data.push(...partitionData(page.json));
  }
  return rowsByName(first.columns, data);
}

const firstHandle = (r: ToolResponse) => {
  const handle = (r.json as { statementHandle?: unknown } | null)?.statementHandle;
  return typeof handle === "string" ? handle : null;
};
