import { ConnectorError } from "../http-errors";
import { originOf } from "../../lib/urls";
import { expectOk, field, joinUrl, str, toolRequest } from "../tool-http";
import type { PowerBiConfig } from "./schema";

/**
 * Power BI admin Activity Events (CONTRACTS-2 §6c): an Entra client-credentials token for the Power BI API, then
 * `GET /v1.0/myorg/admin/activityevents?startDateTime='…'&endDateTime='…'` (quotes part of the value, both ends in
 * the same UTC day), following `continuationUri` as it is until `lastResultSet` is true; pages may be empty while
 * continuing. The token goes only to the login origin's token endpoint; the bearer only to the API origin.
 */

export const TOOL = "Power BI";
const SCOPE = "https://analysis.windows.net/powerbi/api/.default";
/** Pages one day may take; more means the continuation loops, and the pass fails rather than spend the rate limit. */
const MAX_PAGES = 500;

interface Ctx {
  config: PowerBiConfig;
  secrets: Record<string, string>;
  fetch: typeof fetch;
}

/** OData `{"error": {"code", "message"}}` and Entra `{"error", "error_description"}` → one line. */
export function powerBiErrorMessage(json: unknown): string | null {
  const error = field(json, "error");
  if (typeof error === "string") return [error, str(field(json, "error_description"))].filter(Boolean).join(": ");
  const code = str(field(error, "code"));
  const message = str(field(error, "message"));
  return code || message ? [code, message].filter(Boolean).join(": ") : null;
}

async function accessToken(ctx: Ctx): Promise<string> {
  const { client_id, client_secret } = ctx.secrets;
  if (!client_id || !client_secret) throw new ConnectorError({ kind: "invalid_config", message: "the Power BI connection needs client_id and client_secret" });
  const r = expectOk(
    TOOL,
    await toolRequest(ctx.fetch, TOOL, {
      method: "POST",
      origin: originOf(ctx.config.login_url)!,
      url: joinUrl(ctx.config.login_url, `${encodeURIComponent(ctx.config.azure_tenant_id)}/oauth2/v2.0/token`),
      form: { grant_type: "client_credentials", client_id, client_secret, scope: SCOPE },
    }),
    powerBiErrorMessage,
  );
  const token = str(field(r.json, "access_token"));
  if (!token) throw new ConnectorError({ kind: "auth", message: "Microsoft Entra issued no access token for this service principal" });
  return token;
}

/** ISO-8601 in UTC with milliseconds, in single quotes as the API wants it. */
const quoted = (ms: number) => `'${new Date(ms).toISOString()}'`;

/**
 * Every activity event from `from` to `to` (inclusive, both in one UTC day). The entities are returned as they
 * come; the caller reads each field defensively.
 */
export async function activityEvents(ctx: Ctx, days: Array<{ from: number; to: number }>): Promise<Array<Record<string, unknown>>> {
  if (!days.length) return [];
  const token = await accessToken(ctx);
  const origin = originOf(ctx.config.api_url)!;
  const out: Array<Record<string, unknown>> = [];
  for (const day of days) {
    const query = `startDateTime=${quoted(day.from)}&endDateTime=${quoted(day.to)}`;
    let url: string | null = `${joinUrl(ctx.config.api_url, "v1.0/myorg/admin/activityevents")}?${query}`;
    for (let pages = 0; url; pages++) {
      if (pages >= MAX_PAGES) throw new ConnectorError({ kind: "tool_failure", message: `${TOOL} returned more than ${MAX_PAGES} pages for one day` });
      // A continuationUri on another origin is refused by toolRequest: the bearer token stays with api_url.
      const r = expectOk(TOOL, await toolRequest(ctx.fetch, TOOL, { origin, url, headers: { authorization: `Bearer ${token}` } }), powerBiErrorMessage);
      const entities = field(r.json, "activityEventEntities");
      if (Array.isArray(entities))
        for (const e of entities) if (e !== null && typeof e === "object" && !Array.isArray(e)) out.push(e as Record<string, unknown>);
      url = field(r.json, "lastResultSet") === true ? null : str(field(r.json, "continuationUri"));
    }
  }
  return out;
}
