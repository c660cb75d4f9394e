import { toHex } from "../../lib/encoding";
import { field, num, str } from "../tool-http";

export type StatementState =
  | { state: "running" }
  | { state: "succeeded"; numRows: number | null; handles: string[]; dml: DmlStats | null }
  | { state: "failed"; message: string; timedOut: boolean }
  | { state: "cancelled"; message: string }
  | { state: "http_error" };

/** The rows a DML statement changed, from the result's `stats` (sqlapi.yaml ResultSet.stats; absent for queries and DDL). */
export interface DmlStats {
  inserted: number;
  updated: number;
  deleted: number;
}

function dmlStats(json: unknown): DmlStats | null {
  const stats = field(json, "stats");
  if (stats === null || typeof stats !== "object") return null;
  const [inserted, updated, deleted] = (["numRowsInserted", "numRowsUpdated", "numRowsDeleted"] as const).map((k) => num(field(stats, k)));
  // "These stats might not be available for each request": a count Snowflake left out is not taken for zero.
  if (inserted === null && updated === null && deleted === null) return null;
  return { inserted: inserted ?? 0, updated: updated ?? 0, deleted: deleted ?? 0 };
}

/** Snowflake's error code for a statement someone cancelled (`000604 (57014): SQL execution canceled`). */
const CANCELLED_CODE = "000604";

/**
 * A SQL API response → statement state (CONTRACTS §6, §10): 202 running (code 333334), 200 done,
 * 422 failed (code, sqlState, message) or cancelled (code 000604: someone cancelled the statement, e.g.
 * SYSTEM$CANCEL_QUERY or the cancel endpoint), 408 timed out and cancelled by Snowflake. Anything else is an
 * HTTP error for the generic mapping (401 auth, 404, 429 with Retry-After …).
 */
export function statementState(status: number, json: unknown): StatementState {
  switch (status) {
    case 202:
      return { state: "running" };
    case 200: {
      const handle = str(field(json, "statementHandle"));
      const children = field(json, "statementHandles");
      const handles = Array.isArray(children) && children.length ? children.map(String) : handle ? [handle] : [];
      return { state: "succeeded", numRows: num(field(field(json, "resultSetMetaData"), "numRows")), handles, dml: dmlStats(json) };
    }
    case 422:
      if (str(field(json, "code")) === CANCELLED_CODE)
        return { state: "cancelled", message: `the statement was cancelled in Snowflake: ${snowflakeErrorMessage(json)}` };
      return { state: "failed", message: snowflakeErrorMessage(json) ?? "the statement failed in Snowflake", timedOut: false };
    case 408:
      return {
        state: "failed",
        message: `the statement timed out in Snowflake and was cancelled${snowflakeErrorMessage(json) ? `: ${snowflakeErrorMessage(json)}` : ""}`,
        timedOut: true,
      };
    default:
      return { state: "http_error" };
  }
}

/** `002003 (42S02): SQL compilation error: …` from the SQL API's error body. */
export function snowflakeErrorMessage(json: unknown): string | null {
  const message = str(field(json, "message"));
  if (!message) return null;
  const code = str(field(json, "code"));
  const sqlState = str(field(json, "sqlState"));
  const prefix = code ? `${code}${sqlState ? ` (${sqlState})` : ""}: ` : "";
  return `${prefix}${message.replace(/\s+/g, " ").trim()}`;
}

/** `tutti:<run>:<task>:<attempt>`: set as QUERY_TAG so warehouse cost joins back to the Tutti task (CONTRACTS §6). */
export const queryTag = (run: { runId: string; taskKey: string; attempt: number }) => `tutti:${run.runId}:${run.taskKey}:${run.attempt}`;

/**
 * The SQL API requestId for a task attempt: a UUID derived from run, task and attempt, so a repeated dispatch
 * resubmits the same requestId and Snowflake does not execute the statement again.
 */
export async function requestIdFor(run: { runId: string; taskKey: string; attempt: number }): Promise<string> {
  const digest = new Uint8Array(await crypto.subtle.digest("SHA-256", new TextEncoder().encode(`tutti/snowflake/${run.runId}/${run.taskKey}/${run.attempt}`)));
  const bytes = digest.slice(0, 16);
  // RFC 4122 layout: version 5 (name-based, SHA), variant 10.
  bytes[6] = (bytes[6] & 0x0f) | 0x50;
  bytes[8] = (bytes[8] & 0x3f) | 0x80;
  const hex = toHex(bytes);
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}
