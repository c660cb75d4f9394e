import { randomBytes } from "node:crypto";
import { startJsonServer, type FakeServer } from "../http-server";
import type { Reply } from "../scripting";

/**
 * Looker API 4.0 (CONTRACTS-2 §6a), the two calls the usage collector makes:
 *   POST /api/4.0/login   form body client_id=…&client_secret=… (credentials in the query string are refused: deprecated)
 *                         → {access_token, token_type: "Bearer", expires_in: 3600}
 *   POST /api/4.0/queries/run/json   `Authorization: token <access_token>` (the literal word `token`; "Bearer" → 401),
 *        body {model, view, fields[], filters{}, sorts[], limit: "<n>", query_timezone?}
 *        → an array of objects keyed "<view>.<field>", one per distinct combination of the selected dimensions,
 *        with the measure `history.query_run_count` counting the runs in it (Looker groups by every selected dimension).
 * Only model `system__activity`, explore `history` is served. Its filter `history.created_date` takes Looker's date
 * filter expression "YYYY/MM/DD to YYYY/MM/DD": from the first day up to, not including, the second. Other filters and
 * unknown fields → 422 {"message": "Validation Failed", "errors": [{field, code, message}]}. Dates are in UTC
 * (query_timezone "UTC"). Errors: {"message", "documentation_url"}.
 *
 * Query history is registered per API key (tests run in parallel, each with its own key):
 *   PUT /__fake/instances/{client_id}  {client_secret, runs: [{at: ISO time, source, user_id, email, dashboard_id?,
 *        look_id?, model, view}]}   one entry per query run; registering again replaces the history (runs arriving late)
 */

const DOCS = "https://cloud.google.com/looker/docs/reference/looker-api/latest";

interface Run {
  at: string;
  source: string;
  user_id: string;
  email: string;
  dashboard_id?: string | null;
  look_id?: string | null;
  model: string;
  view: string;
}
interface Instance {
  secret: string;
  runs: Run[];
}

/** Each selectable dimension, as the history explore names it, read from a run. */
const dimensions: Record<string, (r: Run) => string | number | null> = {
  "history.created_date": (r) => r.at.slice(0, 10),
  "history.created_time": (r) => r.at.slice(0, 19).replace("T", " "),
  "history.source": (r) => r.source,
  "user.id": (r) => Number(r.user_id),
  "user.email": (r) => r.email,
  "dashboard.id": (r) => (r.dashboard_id ? Number(r.dashboard_id) : null),
  "look.id": (r) => (r.look_id ? Number(r.look_id) : null),
  "query.model": (r) => r.model,
  "query.view": (r) => r.view,
};
const MEASURE = "history.query_run_count";

const lookerError = (status: number, message: string): Reply => ({ status, body: { message, documentation_url: DOCS } });
const validation = (field: string, message: string): Reply => ({
  status: 422,
  body: { message: "Validation Failed", errors: [{ field, code: "invalid", message }], documentation_url: DOCS },
});

/** "YYYY/MM/DD to YYYY/MM/DD" → [from, to) as YYYY-MM-DD. */
function dateRange(expr: string): [string, string] | null {
  const m = /^(\d{4})\/(\d{2})\/(\d{2}) to (\d{4})\/(\d{2})\/(\d{2})$/.exec(expr.trim());
  return m ? [`${m[1]}-${m[2]}-${m[3]}`, `${m[4]}-${m[5]}-${m[6]}`] : null;
}

export async function startLookerFake(options: { port?: number } = {}): Promise<FakeServer> {
  const instances = new Map<string, Instance>();
  const tokens = new Map<string, string>();

  return startJsonServer(async (req, url) => {
    const put = /^\/__fake\/instances\/([^/]+)$/.exec(url.pathname);
    if (put && req.method === "PUT") {
      const body = JSON.parse(req.body) as { client_secret: string; runs: Run[] };
      instances.set(decodeURIComponent(put[1]), { secret: body.client_secret, runs: body.runs });
      return { status: 204 };
    }
    if (url.pathname === "/api/4.0/login" && req.method === "POST") {
      if (url.searchParams.has("client_id") || url.searchParams.has("client_secret"))
        return lookerError(400, "Credentials in query parameters are deprecated; send them in the request body");
      const form = new URLSearchParams(req.body);
      const instance = instances.get(form.get("client_id") ?? "");
      if (!instance || instance.secret !== form.get("client_secret")) return lookerError(404, "Not found");
      const token = randomBytes(20).toString("hex");
      tokens.set(token, form.get("client_id")!);
      return { status: 200, body: { access_token: token, token_type: "Bearer", expires_in: 3600 } };
    }
    if (url.pathname === "/api/4.0/queries/run/json" && req.method === "POST") {
      const auth = String(req.headers.authorization ?? "");
      const clientId = auth.startsWith("token ") ? tokens.get(auth.slice(6)) : undefined;
      if (!clientId) return lookerError(401, "Requires authentication.");
      const instance = instances.get(clientId)!;
      const q = JSON.parse(req.body) as { model?: string; view?: string; fields?: string[]; filters?: Record<string, string>; limit?: unknown };
      if (q.model !== "system__activity" || q.view !== "history") return lookerError(404, "Not found");
      const fields = q.fields ?? [];
      for (const f of fields) if (f !== MEASURE && !dimensions[f]) return validation("fields", `Unknown field ${f}`);
      if (typeof q.limit !== "string" || !/^\d+$/.test(q.limit)) return validation("limit", "limit must be a string of digits");
      let runs = instance.runs;
      for (const [f, expr] of Object.entries(q.filters ?? {})) {
        if (f !== "history.created_date") return validation("filters", `filter on ${f} is not served by this fake`);
        const range = dateRange(expr);
        if (!range) return validation("filters", `cannot parse date filter ${expr}`);
        runs = runs.filter((r) => r.at.slice(0, 10) >= range[0] && r.at.slice(0, 10) < range[1]);
      }
      const dims = fields.filter((f) => f !== MEASURE);
      const groups = new Map<string, Record<string, unknown>>();
      for (const r of runs) {
        const row: Record<string, unknown> = Object.fromEntries(dims.map((d) => [d, dimensions[d](r)]));
        const key = JSON.stringify(row);
        const seen = groups.get(key) ?? row;
        if (fields.includes(MEASURE)) seen[MEASURE] = ((seen[MEASURE] as number | undefined) ?? 0) + 1;
        groups.set(key, seen);
      }
      return { status: 200, body: [...groups.values()].slice(0, Number(q.limit)) };
    }
    return lookerError(404, "Not found");
  }, options.port);
}
