import { ConnectorError } from "../http-errors";
import { originOf } from "../../lib/urls";
import { joinUrl, toolRequest, type ToolResponse } from "../tool-http";
import { cachedKeyPairJwt } from "./jwt";
import type { SnowflakeConfig } from "./schema";

export const TOOL = "Snowflake";
/** The SQL API requires a User-Agent naming the client (CONTRACTS §6). */
const USER_AGENT = "tutti/0.1.0";

interface Ctx {
  config: SnowflakeConfig;
  secrets: Record<string, string>;
  fetch: typeof fetch;
}

/** Authorization for the SQL API: a key-pair JWT when a private key is set, else the OAuth or programmatic access token. */
async function authHeaders(ctx: Ctx): Promise<Record<string, string>> {
  if (ctx.secrets.private_key) {
    if (!ctx.config.user) throw new ConnectorError({ kind: "invalid_config", message: "key-pair auth needs the Snowflake `user` in the connection config" });
    return {
      authorization: `Bearer ${await cachedKeyPairJwt(ctx.config.account, ctx.config.user, ctx.secrets.private_key)}`,
      "x-snowflake-authorization-token-type": "KEYPAIR_JWT",
    };
  }
  if (ctx.secrets.token) return { authorization: `Bearer ${ctx.secrets.token}`, "x-snowflake-authorization-token-type": ctx.config.token_type };
  throw new ConnectorError({ kind: "invalid_config", message: "the Snowflake connection needs a private_key (key-pair auth) or a token" });
}

/** Snowflake SQL API v2. Responses are returned as they are: 202/200/408/422 all carry meaning for the caller. */
export function snowflakeClient(ctx: Ctx) {
  const send = async (method: string, path: string, json?: unknown, timeoutMs?: number): Promise<ToolResponse> =>
    toolRequest(ctx.fetch, TOOL, {
      method,
      origin: originOf(ctx.config.base_url)!,
      url: joinUrl(ctx.config.base_url, path),
      headers: { ...(await authHeaders(ctx)), "user-agent": USER_AGENT },
      json,
      timeoutMs,
    });
  return {
    /**
     * `retry: true` marks a resubmission of `requestId` (same statement after a timeout or lost answer): Snowflake
     * then answers for the statement it already has instead of executing it again ("Resubmitting a request to execute
     * SQL statements", https://docs.snowflake.com/en/developer-guide/sql-api/submitting-requests).
     */
    submit: (body: Record<string, unknown>, opts: { requestId: string; async: boolean; retry?: boolean; timeoutMs?: number }) =>
      send(
        "POST",
        `/api/v2/statements?${new URLSearchParams({ requestId: opts.requestId, async: String(opts.async), nullable: "true", ...(opts.retry ? { retry: "true" } : {}) })}`,
        body,
        opts.timeoutMs,
      ),
    status: (handle: string) => send("GET", `/api/v2/statements/${encodeURIComponent(handle)}`),
    /** Rows of result partition `n` (≥ 1; partition 0 comes with the statement's answer). */
    partition: (handle: string, n: number) => send("GET", `/api/v2/statements/${encodeURIComponent(handle)}?partition=${n}`),
    cancel: (handle: string) => send("POST", `/api/v2/statements/${encodeURIComponent(handle)}/cancel`),
  };
}
