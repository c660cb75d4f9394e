import { createPublicKey, createVerify, randomUUID } from "node:crypto";
import { startJsonServer, type FakeServer } from "../http-server";
import { Scripts, type Reply } from "../scripting";
import { createBillingExports, type BillingRow } from "./billing-export";
import { createJobsView, jobsSchema, type JobsViewRow } from "./jobs-view";

/**
 * Google BigQuery REST v2 and the OAuth token endpoint (CONTRACTS-2 §2), on one fake origin:
 *   POST /token   form grant_type=urn:ietf:params:oauth:grant-type:jwt-bearer&assertion=<RS256 JWT>
 *                 → {access_token, expires_in: 3599, token_type: "Bearer"}; 400 {error: "invalid_grant", error_description}
 *                 The JWT is checked as Google does: signature against the key registered with PUT /__fake/keys/{client_email}
 *                 ({public_key, private_key_id}), kid, iss, aud = this endpoint's URL, scope, exp ≤ iat + 3600, not expired.
 *   POST /bigquery/v2/projects/{p}/queries            jobs.query → QueryResponse (jobComplete false until the plan's polls are used)
 *   GET  /bigquery/v2/projects/{p}/queries/{job}?location&pageToken&maxResults   jobs.getQueryResults → GetQueryResultsResponse
 *   POST /bigquery/v2/projects/{p}/jobs               jobs.insert → Job; a jobId seen before → 409 reason "duplicate"
 *   GET  /bigquery/v2/projects/{p}/jobs/{job}?location   jobs.get → Job (404 in another location)
 *   POST /bigquery/v2/projects/{p}/jobs/{job}/cancel?location   → {kind: "bigquery#jobCancelResponse", job}; the job ends DONE with errorResult reason "stopped"
 * API calls need `Authorization: Bearer <a token this fake issued>`; errors use Google's format
 * {error: {code, message, errors: [{message, domain, reason}], status}}.
 * Queries of `<project>`.`region-<loc>`.INFORMATION_SCHEMA.JOBS_BY_PROJECT are answered from rows registered with
 * PUT /__fake/jobs/{project} (./jobs-view.ts), two rows a page. Plans (PUT /__fake/plans/{key}):
 *   key = query text (jobs the task connector inserts): {polls, outcome: "success"|"error", rows, bytes, slot_ms, statement_type,
 *         lost_inserts: n (the job is created but the first n insert replies are 503), errors: {query|insert|get: […]}}
 *   key = project id (its INFORMATION_SCHEMA queries): {polls (replies with jobComplete false), denied: true (403 accessDenied)}
 * Queries of a Cloud Billing export table registered with PUT /__fake/billing/{project.dataset.table} are answered
 * from its rows (./billing-export.ts).
 * GET /__fake/tokens counts the tokens issued per client_email.
 */

export interface BigQueryFakeOptions {
  port?: number;
  autoAdvanceMs?: number;
}

interface Job {
  project: string;
  jobId: string;
  location: string;
  text: string;
  email: string;
  body: Record<string, unknown>;
  pollsLeft: number;
  outcome: "success" | "error";
  state: "PENDING" | "RUNNING" | "DONE";
  error: { reason: string; message: string; location?: string } | null;
  rows: number;
  bytes: number;
  slotMs: number;
  statementType: string;
  created: number;
  /** INFORMATION_SCHEMA and billing export results: encoded rows and the schema. */
  result?: { fields: Array<{ name: string; type: string; mode: string }>; rows: unknown[] };
}

const PAGE_ROWS = 2;
const JWT_BEARER = "urn:ietf:params:oauth:grant-type:jwt-bearer";
const statusOf: Record<number, string> = { 400: "INVALID_ARGUMENT", 401: "UNAUTHENTICATED", 403: "PERMISSION_DENIED", 404: "NOT_FOUND", 409: "ALREADY_EXISTS" };

export const googleError = (code: number, reason: string, message: string): Reply => ({
  status: code,
  body: { error: { code, message, errors: [{ message, domain: "global", reason }], status: statusOf[code] ?? "UNKNOWN" } },
});

function b64urlJson(part: string): Record<string, unknown> | null {
  try {
    return JSON.parse(Buffer.from(part, "base64url").toString("utf8")) as Record<string, unknown>;
  } catch {
    return null;
  }
}

const sameLocation = (a: string, b: string) => a.toLowerCase() === b.toLowerCase();
const jobsView = /`([^`]+)`\.`region-([a-z0-9-]+)`\.INFORMATION_SCHEMA\.JOBS_BY_PROJECT/i;

export async function startBigQueryFake(options: BigQueryFakeOptions = {}): Promise<FakeServer & { jobs: Map<string, Job> }> {
  const keys = new Map<string, { publicKey: string; keyId: string | null }>();
  const tokens = new Map<string, { email: string; expiresAt: number }>();
  const issued = new Map<string, number>();
  const jobs = new Map<string, Job>();
  const view = createJobsView();
  const billing = createBillingExports();
  const scripts = new Scripts("BigQuery");
  const lost = new Map<string, number>();
  let selfUrl = "";

  function grant(form: URLSearchParams): Reply {
    const bad = (description: string) => ({ status: 400, body: { error: "invalid_grant", error_description: description } });
    if (form.get("grant_type") !== JWT_BEARER) return { status: 400, body: { error: "unsupported_grant_type", error_description: "Invalid grant_type." } };
    const [h, p, sig] = (form.get("assertion") ?? "").split(".");
    const header = h ? b64urlJson(h) : null;
    const claims = p ? b64urlJson(p) : null;
    if (!header || !claims || !sig || header.alg !== "RS256") return bad("Invalid JWT.");
    const key = keys.get(String(claims.iss));
    if (!key) return bad("Invalid grant: account not found");
    if (key.keyId && header.kid !== key.keyId) return bad("Invalid JWT Signature.");
    if (!createVerify("RSA-SHA256").update(`${h}.${p}`).verify(createPublicKey(key.publicKey), Buffer.from(sig, "base64url")))
      return bad("Invalid JWT Signature.");
    if (claims.aud !== `${selfUrl}/token`) return bad("Invalid JWT: Token must be a short-lived token (60 minutes) and in a reasonable timeframe.");
    const scopes = String(claims.scope ?? "").split(" ");
    if (!scopes.some((s) => s.startsWith("https://www.googleapis.com/auth/bigquery") || s === "https://www.googleapis.com/auth/cloud-platform"))
      return { status: 400, body: { error: "invalid_scope", error_description: "Invalid OAuth scope or ID token audience provided." } };
    const iat = Number(claims.iat);
    const exp = Number(claims.exp);
    const now = Date.now() / 1000;
    if (!Number.isFinite(iat) || !Number.isFinite(exp) || exp > iat + 3600 || exp < now || iat > now + 300)
      return bad("Invalid JWT: Token must be a short-lived token (60 minutes) and in a reasonable timeframe. Check your iat and exp values in the JWT claim.");
    const token = `ya29.fake-${randomUUID()}`;
    tokens.set(token, { email: String(claims.iss), expiresAt: now + 3599 });
    issued.set(String(claims.iss), (issued.get(String(claims.iss)) ?? 0) + 1);
    return { status: 200, body: { access_token: token, expires_in: 3599, token_type: "Bearer" } };
  }

  function caller(headers: Record<string, string | string[] | undefined>): string | Reply {
    const auth = headers.authorization;
    const token = typeof auth === "string" && auth.startsWith("Bearer ") ? tokens.get(auth.slice(7)) : undefined;
    if (!token || token.expiresAt < Date.now() / 1000)
      return googleError(
        401,
        "unauthorized",
        "Request is missing required authentication credential. Expected OAuth 2 access token, login cookie or other valid authentication credential.",
      );
    return token.email;
  }

  const done = (job: Job) => job.state === "DONE";
  function advance(job: Job) {
    if (done(job)) return;
    if (job.pollsLeft > 0) {
      job.pollsLeft -= 1;
      job.state = "RUNNING";
      return;
    }
    job.state = "DONE";
    if (job.outcome === "error") job.error = { reason: "invalidQuery", location: "query", message: 'Syntax error: Unexpected identifier "selec" at [1:1]' };
  }

  function jobResource(job: Job) {
    const ms = String(job.created);
    const finished = done(job) && !job.error;
    return {
      kind: "bigquery#job",
      etag: `"${job.jobId}"`,
      id: `${job.project}:${job.location}.${job.jobId}`,
      selfLink: `${selfUrl}/bigquery/v2/projects/${job.project}/jobs/${job.jobId}?location=${job.location}`,
      user_email: job.email,
      jobReference: { projectId: job.project, jobId: job.jobId, location: job.location },
      configuration: { jobType: "QUERY", ...(job.body.configuration as Record<string, unknown>) },
      status: { state: job.state, ...(job.error ? { errorResult: job.error, errors: [job.error] } : {}) },
      statistics: {
        creationTime: ms,
        ...(job.state !== "PENDING" ? { startTime: String(job.created + 100) } : {}),
        ...(done(job) ? { endTime: String(job.created + 2000) } : {}),
        ...(finished
          ? {
              totalBytesProcessed: String(job.bytes),
              totalSlotMs: String(job.slotMs),
              query: {
                totalBytesProcessed: String(job.bytes),
                totalBytesBilled: String(job.bytes),
                totalSlotMs: String(job.slotMs),
                cacheHit: false,
                statementType: job.statementType,
                ...(job.statementType === "SELECT" ? {} : { numDmlAffectedRows: String(job.rows) }),
              },
            }
          : {}),
      },
    };
  }

  /** Rows of a finished job, a page at a time: generated for inserted jobs, the view's for INFORMATION_SCHEMA. */
  function results(job: Job, url: URL, kind: string): Reply {
    const base = { kind, jobReference: { projectId: job.project, jobId: job.jobId, location: job.location } };
    if (!done(job)) return { status: 200, body: { ...base, jobComplete: false } };
    if (job.error) return googleError(400, job.error.reason, job.error.message);
    const fields = job.result?.fields ?? [
      { name: "id", type: "INTEGER", mode: "NULLABLE" },
      { name: "label", type: "STRING", mode: "NULLABLE" },
    ];
    const all =
      job.result?.rows ??
      Array.from({ length: job.statementType === "SELECT" ? job.rows : 0 }, (_, i) => ({ f: [{ v: String(i + 1) }, { v: `row ${i + 1}` }] }));
    const start = Number(Buffer.from(url.searchParams.get("pageToken") ?? "MA", "base64url").toString()) || 0;
    const max = Math.min(PAGE_ROWS, Number(url.searchParams.get("maxResults") ?? PAGE_ROWS));
    const page = all.slice(start, start + max);
    const next = max > 0 && start + max < all.length ? Buffer.from(String(start + max)).toString("base64url") : null;
    return {
      status: 200,
      body: {
        ...base,
        jobComplete: true,
        schema: { fields },
        totalRows: String(all.length),
        ...(page.length ? { rows: page } : {}),
        ...(next ? { pageToken: next } : {}),
        totalBytesProcessed: String(job.bytes),
        cacheHit: false,
      },
    };
  }

  function newJob(project: string, email: string, body: Record<string, unknown>, text: string, jobId: string, location: string): Job {
    const plan = scripts.plan(text);
    const job: Job = {
      project,
      jobId,
      location,
      text,
      email,
      body,
      pollsLeft: Number(plan.polls ?? 0),
      outcome: (plan.outcome as Job["outcome"]) ?? "success",
      state: "PENDING",
      error: null,
      rows: typeof plan.rows === "number" ? plan.rows : 3,
      bytes: typeof plan.bytes === "number" ? plan.bytes : 10_485_760,
      slotMs: typeof plan.slot_ms === "number" ? plan.slot_ms : 4521,
      statementType: typeof plan.statement_type === "string" ? plan.statement_type : "SELECT",
      created: Date.now(),
    };
    jobs.set(`${project}/${jobId}`, job);
    if (options.autoAdvanceMs) {
      const timer = setInterval(() => (done(job) ? clearInterval(timer) : advance(job)), options.autoAdvanceMs);
      timer.unref();
    }
    return job;
  }

  /** jobs.query of INFORMATION_SCHEMA.JOBS_BY_PROJECT: the view's rows for the window the parameters name. */
  function viewQuery(project: string, region: string, body: Record<string, unknown>, email: string): Reply {
    const location = String(body.location ?? "US");
    if (!sameLocation(`region-${location}`, `region-${region}`))
      return googleError(400, "invalidQuery", `Table ${project}:region-${region}.INFORMATION_SCHEMA.JOBS_BY_PROJECT was not found in location ${location}`);
    if (scripts.plan(project).denied)
      return googleError(
        403,
        "accessDenied",
        `Access Denied: Table ${project}:region-${region}.INFORMATION_SCHEMA.JOBS_BY_PROJECT: User does not have permission to query table ${project}:region-${region}.INFORMATION_SCHEMA.JOBS_BY_PROJECT, or perhaps it does not exist.`,
      );
    const params = new Map(
      ((body.queryParameters as Array<{ name: string; parameterValue: { value: string } }> | undefined) ?? []).map((p) => [p.name, p.parameterValue.value]),
    );
    const from = Date.parse(params.get("window_from") ?? "");
    const to = Date.parse(params.get("window_to") ?? "");
    if (Number.isNaN(from) || Number.isNaN(to)) return googleError(400, "invalidQuery", "Query parameter 'window_from' not found");
    const job = newJob(project, email, body, String(body.query), `job_${randomUUID().replaceAll("-", "")}`, location.toUpperCase());
    job.pollsLeft = Number(scripts.plan(project).polls ?? 0);
    job.statementType = "SELECT";
    job.bytes = 10_485_760;
    job.result = { fields: jobsSchema, rows: view.read(project, from, to) };
    return queryReply(job);
  }

  function queryReply(job: Job): Reply {
    // jobs.query waits for the job; the plan's polls make it answer jobComplete false first.
    if (job.pollsLeft === 0) advance(job);
    else job.pollsLeft -= 1;
    const r = results(job, new URL(`${selfUrl}/`), "bigquery#queryResponse");
    return r.status === 200 ? { status: 200, body: { ...(r.body as object), queryId: job.jobId } } : r;
  }

  const server = await startJsonServer(async (req, url) => {
    const parts = url.pathname.split("/").filter(Boolean);
    if (req.method === "PUT" && parts[0] === "__fake" && parts[1] === "keys") {
      const body = JSON.parse(req.body) as { public_key: string; private_key_id?: string };
      keys.set(decodeURIComponent(parts[2]), { publicKey: body.public_key, keyId: body.private_key_id ?? null });
      return { status: 204 };
    }
    if (req.method === "PUT" && parts[0] === "__fake" && parts[1] === "jobs") {
      view.register(decodeURIComponent(parts[2]), JSON.parse(req.body) as JobsViewRow[]);
      return { status: 204 };
    }
    if (req.method === "PUT" && parts[0] === "__fake" && parts[1] === "billing") {
      billing.register(decodeURIComponent(parts[2]), JSON.parse(req.body) as BillingRow[]);
      return { status: 204 };
    }
    if (req.method === "GET" && parts[0] === "__fake" && parts[1] === "tokens") return { status: 200, body: Object.fromEntries(issued) };
    const control = scripts.control(req, url);
    if (control) return control;
    if (req.method === "POST" && url.pathname === "/token") {
      if (!String(req.headers["content-type"] ?? "").startsWith("application/x-www-form-urlencoded"))
        return { status: 400, body: { error: "invalid_request", error_description: "Bad Request" } };
      return grant(new URLSearchParams(req.body));
    }
    if (parts[0] !== "bigquery" || parts[1] !== "v2" || parts[2] !== "projects" || !parts[3]) return googleError(404, "notFound", "Not found");
    const email = caller(req.headers);
    if (typeof email !== "string") return email;
    const project = decodeURIComponent(parts[3]);
    const body = req.body ? (JSON.parse(req.body) as Record<string, unknown>) : {};

    if (req.method === "POST" && parts[4] === "queries" && parts.length === 5) {
      const text = String(body.query ?? "");
      if (!text.trim()) return googleError(400, "invalid", "Required parameter is missing: query");
      if (body.useLegacySql !== false) return googleError(400, "invalidQuery", "Invalid table name: legacy SQL is not what this client means to send");
      const scripted = scripts.takeError(text, "query");
      if (scripted) return scripted;
      const viewRef = jobsView.exec(text);
      if (viewRef) {
        if (viewRef[1] !== project)
          return googleError(403, "accessDenied", `Access Denied: Project ${viewRef[1]}: User does not have bigquery.jobs.list permission`);
        return viewQuery(project, viewRef[2], body, email);
      }
      const billingTable = /FROM `([^`]+)`\s+WHERE DATE\(usage_start_time\)/.exec(text)?.[1];
      if (billingTable) {
        if (!billing.has(billingTable))
          return googleError(404, "notFound", `Not found: Table ${billingTable.replace(".", ":")} was not found in location ${String(body.location ?? "US")}`);
        const params = new Map(
          ((body.queryParameters as Array<{ name: string; parameterValue: { value: string } }> | undefined) ?? []).map((p) => [p.name, p.parameterValue.value]),
        );
        const job = newJob(project, email, body, text, `job_${randomUUID().replaceAll("-", "")}`, String(body.location ?? "US").toUpperCase());
        job.statementType = "SELECT";
        job.result = { fields: billing.schema, rows: billing.read(billingTable, params) };
        return queryReply(job);
      }
      if (body.dryRun === true)
        return {
          status: 200,
          body: {
            kind: "bigquery#queryResponse",
            jobComplete: true,
            totalBytesProcessed: "0",
            cacheHit: false,
            schema: { fields: [{ name: "f0_", type: "INTEGER", mode: "NULLABLE" }] },
          },
        };
      return queryReply(newJob(project, email, body, text, `job_${randomUUID().replaceAll("-", "")}`, String(body.location ?? "US").toUpperCase()));
    }

    if (req.method === "POST" && parts[4] === "jobs" && parts.length === 5) {
      const ref = (body.jobReference ?? {}) as { jobId?: string; location?: string };
      const text = String(((body.configuration as Record<string, unknown> | undefined)?.query as Record<string, unknown> | undefined)?.query ?? "");
      if (!text.trim()) return googleError(400, "invalid", "Required parameter is missing: configuration.query.query");
      const scripted = scripts.takeError(text, "insert");
      if (scripted) return scripted;
      const jobId = ref.jobId ?? `job_${randomUUID().replaceAll("-", "")}`;
      if (!/^[A-Za-z0-9_-]{1,1024}$/.test(jobId)) return googleError(400, "invalid", `Invalid job ID "${jobId}".`);
      const location = (ref.location ?? "US").toUpperCase();
      if (jobs.has(`${project}/${jobId}`)) return googleError(409, "duplicate", `Already Exists: Job ${project}:${location}.${jobId}`);
      await scripts.gate(text, "insert");
      const job = newJob(project, email, body, text, jobId, location);
      // plan.lost_inserts: the job is created, but the first n insert replies are lost (503, as a gateway would).
      if (Number(scripts.plan(text).lost_inserts ?? 0) > (lost.get(text) ?? 0)) {
        lost.set(text, (lost.get(text) ?? 0) + 1);
        return googleError(503, "backendError", "Backend error.");
      }
      return { status: 200, body: jobResource(job) };
    }

    const job = jobs.get(`${project}/${decodeURIComponent(parts[5] ?? "")}`);
    const location = url.searchParams.get("location") ?? "US";
    if (!job || !sameLocation(job.location, location)) return googleError(404, "notFound", `Not found: Job ${project}:${location}.${parts[5]}`);
    if (req.method === "GET" && parts[4] === "jobs" && parts.length === 6) {
      const scripted = scripts.takeError(job.text, "get");
      if (scripted) return scripted;
      advance(job);
      return { status: 200, body: jobResource(job) };
    }
    if (req.method === "GET" && parts[4] === "queries" && parts.length === 6) {
      if (job.result && !done(job)) advance(job);
      return results(job, url, "bigquery#getQueryResultsResponse");
    }
    if (req.method === "POST" && parts[4] === "jobs" && parts[6] === "cancel") {
      if (!done(job)) {
        job.state = "DONE";
        job.error = { reason: "stopped", message: "Job execution was cancelled: User requested cancellation" };
      }
      return { status: 200, body: { kind: "bigquery#jobCancelResponse", job: jobResource(job) } };
    }
    return googleError(404, "notFound", `Not found: ${url.pathname}`);
  });
  selfUrl = server.url;
  return { ...server, jobs };
}
