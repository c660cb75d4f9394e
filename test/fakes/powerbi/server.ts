import { randomBytes } from "node:crypto";
import { startJsonServer, type FakeServer } from "../http-server";
import type { Reply } from "../scripting";

/**
 * Microsoft Entra client credentials and the Power BI admin Activity Events API (CONTRACTS-2 §6c), on one server (in
 * production they are login.microsoftonline.com and api.powerbi.com):
 *   POST /{tenant}/oauth2/v2.0/token  form grant_type=client_credentials, client_id, client_secret,
 *        scope=https://analysis.windows.net/powerbi/api/.default → {token_type: "Bearer", expires_in, access_token};
 *        a wrong secret → 401 {"error": "invalid_client", "error_description": "AADSTS7000215: …"}
 *   GET  /v1.0/myorg/admin/activityevents?startDateTime='<ISO>'&endDateTime='<ISO>'   `Authorization: Bearer <token>`
 *        The single quotes are part of the values; both ends must fall in one UTC day (else 400). Answers
 *        {activityEventEntities[], continuationUri, continuationToken, lastResultSet}, PAGE_EVENTS events a page, with an
 *        empty page between the first and the second (Power BI may answer empty pages while continuing). The
 *        continuation is followed with GET …/activityevents?continuationToken='<token>'.
 *        Errors are OData: {"error": {"code", "message"}}.
 * Events are registered per service principal (tests run in parallel, each with its own client id):
 *   PUT /__fake/principals/{client_id}  {client_secret, events: [entity, …]}  (entities as Power BI sends them:
 *        Id, CreationTime without a zone, Activity, UserId, ReportId, DatasetName, WorkspaceName, …); registering again
 *        replaces them (events that arrived late).
 */

const SCOPE = "https://analysis.windows.net/powerbi/api/.default";
const PAGE_EVENTS = 2;

interface Principal {
  secret: string;
  events: Array<Record<string, unknown>>;
}

const odata = (status: number, code: string, message: string): Reply => ({ status, body: { error: { code, message } } });

/** `'2026-05-20T00:00:00.000Z'` → ms; the quotes are required. */
function quotedTime(value: string | null): number | null {
  const m = value ? /^'(.+)'$/.exec(value) : null;
  if (!m) return null;
  const ms = Date.parse(m[1]);
  return Number.isNaN(ms) ? null : ms;
}

export async function startPowerBiFake(options: { port?: number } = {}): Promise<FakeServer> {
  const principals = new Map<string, Principal>();
  const tokens = new Map<string, string>();
  /** Continuation token → the remaining pages of one query. */
  const continuations = new Map<string, Array<Array<Record<string, unknown>>>>();
  let self = "";

  function page(pages: Array<Array<Record<string, unknown>>>): Reply {
    const [first, ...rest] = pages;
    if (!rest.length) return { status: 200, body: { activityEventEntities: first ?? [], continuationUri: null, continuationToken: null, lastResultSet: true } };
    const token = randomBytes(12).toString("hex");
    continuations.set(token, rest);
    return {
      status: 200,
      body: {
        activityEventEntities: first,
        continuationUri: `${self}/v1.0/myorg/admin/activityevents?continuationToken='${token}'`,
        continuationToken: token,
        lastResultSet: false,
      },
    };
  }

  const server = await startJsonServer(async (req, url) => {
    const put = /^\/__fake\/principals\/([^/]+)$/.exec(url.pathname);
    if (put && req.method === "PUT") {
      const body = JSON.parse(req.body) as { client_secret: string; events: Array<Record<string, unknown>> };
      principals.set(decodeURIComponent(put[1]), { secret: body.client_secret, events: body.events });
      return { status: 204 };
    }
    if (/^\/[^/]+\/oauth2\/v2\.0\/token$/.test(url.pathname) && req.method === "POST") {
      const form = new URLSearchParams(req.body);
      if (form.get("grant_type") !== "client_credentials") return { status: 400, body: { error: "unsupported_grant_type", error_description: "AADSTS70003" } };
      if (form.get("scope") !== SCOPE)
        return { status: 400, body: { error: "invalid_scope", error_description: "AADSTS70011: The provided value for scope is not valid." } };
      const principal = principals.get(form.get("client_id") ?? "");
      if (!principal || principal.secret !== form.get("client_secret"))
        return { status: 401, body: { error: "invalid_client", error_description: "AADSTS7000215: Invalid client secret provided." } };
      const token = randomBytes(24).toString("hex");
      tokens.set(token, form.get("client_id")!);
      return { status: 200, body: { token_type: "Bearer", expires_in: 3599, ext_expires_in: 3599, access_token: token } };
    }
    if (url.pathname === "/v1.0/myorg/admin/activityevents" && req.method === "GET") {
      const auth = String(req.headers.authorization ?? "");
      const clientId = auth.startsWith("Bearer ") ? tokens.get(auth.slice(7)) : undefined;
      if (!clientId) return odata(401, "PowerBINotAuthorizedException", "Unauthorized");
      const continuation = url.searchParams.get("continuationToken");
      if (continuation !== null) {
        const rest = continuations.get(continuation.replace(/^'|'$/g, ""));
        if (!rest) return odata(400, "InvalidContinuationToken", "The continuation token is not valid");
        continuations.delete(continuation.replace(/^'|'$/g, ""));
        return page(rest);
      }
      const start = quotedTime(url.searchParams.get("startDateTime"));
      const end = quotedTime(url.searchParams.get("endDateTime"));
      if (start === null || end === null) return odata(400, "InvalidRequest", "startDateTime and endDateTime are required, in single quotes");
      if (new Date(start).toISOString().slice(0, 10) !== new Date(end).toISOString().slice(0, 10) || end < start)
        return odata(400, "InvalidRequest", "startDateTime and endDateTime must be in the same UTC day");
      const events = principals
        .get(clientId)!
        .events.filter((e) => {
          const at = Date.parse(`${String(e.CreationTime)}Z`);
          return at >= start && at <= end;
        })
        .sort((a, b) => String(a.CreationTime).localeCompare(String(b.CreationTime)));
      const pages: Array<Array<Record<string, unknown>>> = [];
      for (let i = 0; i < events.length; i += PAGE_EVENTS) pages.push(events.slice(i, i + PAGE_EVENTS));
      // Power BI answers empty pages while it continues: one after the first page.
      if (pages.length > 1) pages.splice(1, 0, []);
      return page(pages.length ? pages : [[]]);
    }
    return odata(404, "EntityNotFound", "Not found");
  }, options.port);
  self = server.url;
  return server;
}
