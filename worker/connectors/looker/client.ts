import { ConnectorError } from "../http-errors";
import { originOf } from "../../lib/urls";
import { expectOk, field, joinUrl, str, toolRequest } from "../tool-http";
import type { LookerConfig } from "./schema";

/**
 * Looker API 4.0 (CONTRACTS-2 §6a): `POST /api/4.0/login` with the API key pair form-encoded (query parameters are
 * deprecated) → an access token sent as `Authorization: token <access_token>`; then an inline query run as JSON,
 * an array of objects keyed "<view>.<field>". One login per collector pass: tokens live an hour, a pass takes seconds.
 */

export const TOOL = "Looker";

interface Ctx {
  config: LookerConfig;
  secrets: Record<string, string>;
  fetch: typeof fetch;
}

export interface InlineQuery {
  model: string;
  view: string;
  fields: string[];
  filters: Record<string, string>;
  sorts: string[];
  /** Looker takes the row limit as a string. */
  limit: string;
  query_timezone: string;
}

/** `{"message": …, "errors": [{field, message}]}` → one line. */
export function lookerErrorMessage(json: unknown): string | null {
  const message = str(field(json, "message"));
  const errors = field(json, "errors");
  const first = Array.isArray(errors) ? errors[0] : undefined;
  const detail = first ? [str(field(first, "field")), str(field(first, "message"))].filter(Boolean).join(": ") : "";
  return message ? (detail ? `${message} (${detail})` : message) : null;
}

async function login(ctx: Ctx, origin: string): Promise<string> {
  const { client_id, client_secret } = ctx.secrets;
  if (!client_id || !client_secret) throw new ConnectorError({ kind: "invalid_config", message: "the Looker connection needs client_id and client_secret" });
  const r = expectOk(
    TOOL,
    await toolRequest(ctx.fetch, TOOL, { method: "POST", origin, url: joinUrl(ctx.config.base_url, "api/4.0/login"), form: { client_id, client_secret } }),
    lookerErrorMessage,
  );
  const token = str(field(r.json, "access_token"));
  if (!token) throw new ConnectorError({ kind: "auth", message: "Looker issued no access token for this API key" });
  return token;
}

/** Logs in and runs one inline query; the rows as Looker returns them (values not trusted: the caller reads each by name). */
export async function runInlineQuery(ctx: Ctx, query: InlineQuery): Promise<Array<Record<string, unknown>>> {
  const origin = originOf(ctx.config.base_url)!;
  const token = await login(ctx, origin);
  const r = expectOk(
    TOOL,
    await toolRequest(ctx.fetch, TOOL, {
      method: "POST",
      origin,
      url: joinUrl(ctx.config.base_url, "api/4.0/queries/run/json"),
      headers: { authorization: `token ${token}` },
      json: query,
      timeoutMs: 120_000,
    }),
    lookerErrorMessage,
  );
  if (!Array.isArray(r.json)) throw new ConnectorError({ kind: "tool_failure", message: `${TOOL} answered the System Activity query without a JSON array` });
  return r.json.filter((row): row is Record<string, unknown> => row !== null && typeof row === "object" && !Array.isArray(row));
}
