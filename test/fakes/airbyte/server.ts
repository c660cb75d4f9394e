import { randomBytes } from "node:crypto";
import { startJsonServer, type FakeServer } from "../http-server";
import { Scripts, type Reply } from "../scripting";

/**
 * Airbyte public API v1 (CONTRACTS §5), served under /v1 (Cloud) and /api/public/v1 (self-managed):
 *   POST /applications/token {client_id, client_secret, "grant-type": "client_credentials"} → {access_token, token_type, expires_in}
 *   GET  /workspaces?limit=                the connection test
 *   POST /jobs {connectionId, jobType}     → 200 JobResponse; 409 while a job of the connection runs
 *   GET  /jobs/{jobId}                     JobResponse {jobId, status, jobType, startTime, connectionId, lastUpdatedAt, duration, bytesSynced, rowsSynced}
 *   DELETE /jobs/{jobId}                   cancels
 *   GET  /jobs?connectionId&jobType&status&createdAtStart&createdAtEnd&updatedAtStart&updatedAtEnd&limit(≤100)&offset
 *        &orderBy=<createdAt|updatedAt>|<ASC|DESC> (default updatedAt|DESC)   {data, next?, previous?}; the time filters take
 *        ISO 8601 date-times (start inclusive, end exclusive ⚠️: Airbyte does not document the bounds), others → 400
 * Jobs that ran before the test (history a cost collector reads) are registered with PUT /__fake/jobs/{jobId}
 * {connectionId, jobType?, status, startTime, lastUpdatedAt, rowsSynced?, bytesSynced?}; registering again replaces
 * the job (counts Airbyte filled in late). Without rowsSynced the job answers none (unknown, not 0).
 * Config API (CONTRACTS-2 §7; the public API has no log endpoint), beside it at /api/v1:
 *   POST /api/v1/jobs/get {id}             {job, attempts[{attempt{id, status, createdAt, updatedAt, endedAt, failureSummary?}, logType, logs}]};
 *                                          logs are {logLines[]} ("formatted"), or {events[], version} with plan `log_format: "structured"`
 * Auth: `Bearer <access token>` (expired tokens → 401) or the static API token. POST /__fake/expire-tokens expires every
 * issued token. Notifications (unsigned, Slack-compatible body with `data`) go to the outbox; deliver them with
 * `?token=<webhook_secret>` appended. Plans are keyed by connection id: {polls, incomplete_polls?, outcome: "succeeded"|"failed"|"cancelled", rows?}
 * ("cancelled": someone cancelled the job in Airbyte's UI; Airbyte sends no notification for it).
 */
interface Job {
  jobId: number;
  connectionId: string;
  jobType: string;
  status: "pending" | "running" | "incomplete" | "succeeded" | "failed" | "cancelled";
  pollsLeft: number;
  incompleteLeft: number;
  outcome: "succeeded" | "failed" | "cancelled";
  /** Rows synced once finished; null: Airbyte reports no count for the job. */
  rows: number | null;
  bytes?: number | null;
  startTime: string;
  lastUpdatedAt: string;
}

export interface AirbyteFakeOptions {
  clientId: string;
  clientSecret: string;
  apiToken: string;
  port?: number;
  tokenTtlSeconds?: number;
  autoAdvanceMs?: number;
}

export interface AirbyteFake extends FakeServer {
  jobs: Map<number, Job>;
}

const problem = (status: number, title: string, detail: string): Reply => ({
  status,
  body: { type: `https://reference.airbyte.com/reference/errors#${status}`, title, status, detail },
});
const outcomeOf = (value: unknown): Job["outcome"] | null => (value === "succeeded" || value === "failed" || value === "cancelled" ? value : null);
const terminal = (j: Job) => j.status === "succeeded" || j.status === "failed" || j.status === "cancelled";

export async function startAirbyteFake(options: AirbyteFakeOptions): Promise<AirbyteFake> {
  const jobs = new Map<number, Job>();
  const tokens = new Map<string, number>();
  const scripts = new Scripts("Airbyte");
  let nextJob = 9000;

  function view(j: Job) {
    const seconds = Math.max(1, Math.round((Date.parse(j.lastUpdatedAt) - Date.parse(j.startTime)) / 1000));
    return {
      jobId: j.jobId,
      status: j.status,
      jobType: j.jobType,
      startTime: j.startTime,
      connectionId: j.connectionId,
      lastUpdatedAt: j.lastUpdatedAt,
      duration: `PT${seconds}S`,
      ...(terminal(j) && j.rows !== null ? { bytesSynced: j.bytes ?? j.rows * 120, rowsSynced: j.rows } : {}),
    };
  }

  function notify(j: Job) {
    const success = j.status === "succeeded";
    const body = JSON.stringify({
      text: `Your connection ${j.connectionId} ${success ? "succeeded" : "failed"}\nJob ID: ${j.jobId}`,
      data: {
        workspace: { id: "84d2dd6e-82aa-406e-91f3-bf8dbf176e69", name: "Fake Workspace", url: "http://airbyte.fake/workspaces/84d2dd6e" },
        connection: { id: j.connectionId, name: `Connection ${j.connectionId.slice(0, 8)}`, url: `http://airbyte.fake/connections/${j.connectionId}` },
        source: { id: "363c0ea3-e989-4051-9f54-d41b794d6621", name: "Postgres", url: "http://airbyte.fake/source" },
        destination: { id: "b3a05072-e3c8-435a-8e6e-4a5c601039c6", name: "BigQuery", url: "http://airbyte.fake/destination" },
        jobId: j.jobId,
        startedAt: j.startTime,
        finishedAt: j.lastUpdatedAt,
        bytesEmitted: (j.rows ?? 0) * 120,
        bytesCommitted: success ? (j.rows ?? 0) * 120 : 0,
        recordsEmitted: j.rows ?? 0,
        recordsCommitted: success ? (j.rows ?? 0) : 0,
        errorMessage: success ? null : "Connection timeout while trying to sync data",
        success,
        durationInSeconds: 1,
      },
    });
    scripts.emit(j.connectionId, { event: success ? "sync.succeeded" : "sync.failed", headers: { "content-type": "application/json" }, body });
  }

  function finish(j: Job, status: Job["status"]) {
    if (terminal(j)) return;
    j.status = status;
    j.lastUpdatedAt = new Date().toISOString();
    if (status !== "cancelled") notify(j);
  }

  function advance(j: Job) {
    if (terminal(j)) return;
    j.lastUpdatedAt = new Date().toISOString();
    if (j.incompleteLeft > 0) {
      j.incompleteLeft -= 1;
      j.status = "incomplete";
    } else if (j.pollsLeft > 0) {
      j.pollsLeft -= 1;
      j.status = "running";
    } else finish(j, j.outcome);
  }

  scripts.onComplete = (key, outcome) => {
    const j = [...jobs.values()].filter((x) => x.connectionId === key).pop();
    if (!j) return false;
    finish(j, outcomeOf(outcome) ?? j.outcome);
    return true;
  };

  /** The Config API's JobInfoRead: one attempt whose log grows with the job, in the plan's log format. */
  function jobWithAttempts(job: Job) {
    const started = Date.parse(job.startTime);
    const ended = ["succeeded", "failed", "cancelled"].includes(job.status);
    const status = job.status === "succeeded" || job.status === "failed" ? job.status : ended ? "failed" : "running";
    const events = [
      { timestamp: started, level: "info", logSource: "platform", message: `Starting sync for connection ${job.connectionId}` },
      { timestamp: started + 1000, level: "info", logSource: "source", message: "Reading stream orders (incremental)" },
      ...(ended && job.status === "succeeded"
        ? [{ timestamp: started + 5000, level: "info", logSource: "destination", message: `Committed ${job.rows} records` }]
        : []),
      ...(job.status === "failed"
        ? [
            {
              timestamp: started + 4000,
              level: "error",
              logSource: "source",
              message: "Failure in source: 401 Unauthorized reading /v3/orders",
              stackTrace: "io.airbyte.cdk.SourceException: 401 Unauthorized\n\tat io.airbyte.source.Read.next(Read.kt:42)",
            },
          ]
        : []),
    ];
    const structured = scripts.plan(job.connectionId).log_format === "structured";
    const logs = structured
      ? { events, version: "1" }
      : {
          logLines: events.flatMap((e) => [
            `${new Date(e.timestamp).toISOString()} ${e.logSource} > ${e.level.toUpperCase()} ${e.message}`,
            ...("stackTrace" in e ? [e.stackTrace] : []),
          ]),
        };
    const seconds = (ms: number) => Math.floor(ms / 1000);
    return {
      job: {
        id: job.jobId,
        configType: job.jobType,
        configId: job.connectionId,
        status: job.status,
        createdAt: seconds(started),
        updatedAt: seconds(Date.parse(job.lastUpdatedAt)),
      },
      attempts: [
        {
          attempt: {
            id: 0,
            status,
            createdAt: seconds(started),
            updatedAt: seconds(Date.parse(job.lastUpdatedAt)),
            ...(ended ? { endedAt: seconds(Date.parse(job.lastUpdatedAt)) } : {}),
            ...(job.status === "failed"
              ? {
                  failureSummary: {
                    failures: [{ failureOrigin: "source", failureType: "config_error", externalMessage: "401 Unauthorized" }],
                    partialSuccess: false,
                  },
                }
              : {}),
          },
          logType: structured ? "structured" : "formatted",
          logs,
        },
      ],
    };
  }

  const authorized = (header: string | string[] | undefined) => {
    if (typeof header !== "string" || !header.startsWith("Bearer ")) return false;
    const token = header.slice(7);
    if (token === options.apiToken) return true;
    const expires = tokens.get(token);
    return expires !== undefined && expires > Date.now();
  };

  const server = await startJsonServer(async (req, url) => {
    if (req.method === "POST" && url.pathname === "/__fake/expire-tokens") {
      for (const token of tokens.keys()) tokens.set(token, 0);
      return { status: 200, body: { expired: tokens.size } };
    }
    const history = /^\/__fake\/jobs\/(\d+)$/.exec(url.pathname);
    if (history && req.method === "PUT") {
      const b = JSON.parse(req.body) as Record<string, unknown>;
      const status = b.status as Job["status"];
      jobs.set(Number(history[1]), {
        jobId: Number(history[1]),
        connectionId: String(b.connectionId),
        jobType: typeof b.jobType === "string" ? b.jobType : "sync",
        status,
        pollsLeft: 0,
        incompleteLeft: 0,
        outcome: outcomeOf(status) ?? "succeeded",
        rows: typeof b.rowsSynced === "number" ? b.rowsSynced : null,
        bytes: typeof b.bytesSynced === "number" ? b.bytesSynced : null,
        startTime: String(b.startTime),
        lastUpdatedAt: String(b.lastUpdatedAt),
      });
      return { status: 204 };
    }
    const control = scripts.control(req, url);
    if (control) return control;
    // Cloud serves /v1/…, self-managed /api/public/v1/…: the same API under either root.
    const path = url.pathname.replace(/^\/api\/public\/v1\//, "/").replace(/^\/v1\//, "/");
    const parts = path.split("/").filter(Boolean);

    if (req.method === "POST" && path === "/applications/token") {
      const body = req.body ? (JSON.parse(req.body) as Record<string, unknown>) : {};
      if (body.client_id !== options.clientId || body.client_secret !== options.clientSecret || body["grant-type"] !== "client_credentials") {
        return problem(401, "unauthorized", "Invalid client credentials");
      }
      const token = `abt_${randomBytes(12).toString("hex")}`;
      const ttl = options.tokenTtlSeconds ?? 180;
      tokens.set(token, Date.now() + ttl * 1000);
      return { status: 200, body: { access_token: token, token_type: "Bearer", expires_in: ttl } };
    }
    if (!authorized(req.headers.authorization)) return problem(401, "unauthorized", "The request lacks valid authentication credentials");

    if (req.method === "POST" && url.pathname === "/api/v1/jobs/get") {
      const id = Number((req.body ? (JSON.parse(req.body) as Record<string, unknown>) : {}).id);
      const job = jobs.get(id);
      if (!job) return problem(404, "not-found", `Could not find job with id: ${id}`);
      return { status: 200, body: jobWithAttempts(job) };
    }

    if (req.method === "GET" && parts[0] === "workspaces")
      return { status: 200, body: { data: [{ workspaceId: "84d2dd6e-82aa-406e-91f3-bf8dbf176e69", name: "Fake Workspace", dataResidency: "auto" }] } };

    if (parts[0] === "jobs" && parts.length === 1 && req.method === "POST") {
      const body = req.body ? (JSON.parse(req.body) as { connectionId?: string; jobType?: string }) : {};
      if (!body.connectionId || !["sync", "reset", "refresh", "clear"].includes(String(body.jobType)))
        return problem(400, "bad-request", "connectionId and jobType (sync|reset|refresh|clear) are required");
      const scripted = scripts.takeError(body.connectionId, "trigger");
      if (scripted) return scripted;
      const plan = scripts.plan(body.connectionId);
      if (plan.exists === false) return problem(404, "not-found", `Connection ${body.connectionId} not found`);
      if ([...jobs.values()].some((j) => j.connectionId === body.connectionId && !terminal(j))) {
        return problem(409, "conflict", `A sync is already running for connection ${body.connectionId}`);
      }
      const now = new Date().toISOString();
      const job: Job = {
        jobId: ++nextJob,
        connectionId: body.connectionId,
        jobType: String(body.jobType),
        status: "pending",
        pollsLeft: Number(plan.polls ?? 0),
        incompleteLeft: Number(plan.incomplete_polls ?? 0),
        outcome: outcomeOf(plan.outcome) ?? "succeeded",
        rows: typeof plan.rows === "number" ? plan.rows : 1400,
        startTime: now,
        lastUpdatedAt: now,
      };
      jobs.set(job.jobId, job);
      if (options.autoAdvanceMs) {
        const timer = setInterval(() => (terminal(job) ? clearInterval(timer) : advance(job)), options.autoAdvanceMs);
        timer.unref();
      }
      const response = view(job);
      await scripts.gate(body.connectionId, "trigger");
      return { status: 200, body: response };
    }

    if (parts[0] === "jobs" && parts.length === 1 && req.method === "GET") {
      const limit = Number(url.searchParams.get("limit") ?? 20);
      const offset = Number(url.searchParams.get("offset") ?? 0);
      if (!Number.isInteger(limit) || limit < 1 || limit > 100) return problem(400, "bad-request", "limit must be between 1 and 100");
      const connectionId = url.searchParams.get("connectionId");
      const jobType = url.searchParams.get("jobType");
      const status = url.searchParams.get("status");
      const bounds: Record<string, number> = {};
      for (const name of ["createdAtStart", "createdAtEnd", "updatedAtStart", "updatedAtEnd"]) {
        const value = url.searchParams.get(name);
        if (value === null) continue;
        if (!/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$/.test(value))
          return problem(400, "bad-request", `${name} must be an ISO 8601 date-time`);
        bounds[name] = Date.parse(value);
      }
      const [orderField, orderDir] = (url.searchParams.get("orderBy") ?? "updatedAt|DESC").split("|");
      if (!["createdAt", "updatedAt"].includes(orderField) || !["ASC", "DESC"].includes(orderDir))
        return problem(400, "bad-request", "orderBy must be createdAt or updatedAt, then | and ASC or DESC");
      const within = (at: number, start?: number, end?: number) => (start === undefined || at >= start) && (end === undefined || at < end);
      const sortKey = (j: Job) => Date.parse(orderField === "createdAt" ? j.startTime : j.lastUpdatedAt);
      const all = [...jobs.values()]
        .filter((j) => (!connectionId || j.connectionId === connectionId) && (!jobType || j.jobType === jobType) && (!status || j.status === status))
        .filter((j) => within(Date.parse(j.startTime), bounds.createdAtStart, bounds.createdAtEnd))
        .filter((j) => within(Date.parse(j.lastUpdatedAt), bounds.updatedAtStart, bounds.updatedAtEnd))
        .sort((a, b) => (orderDir === "ASC" ? 1 : -1) * (sortKey(a) - sortKey(b) || a.jobId - b.jobId));
      const page = all.slice(offset, offset + limit);
      const next =
        offset + limit < all.length
          ? `${server.url}/v1/jobs?${new URLSearchParams({ ...Object.fromEntries(url.searchParams), offset: String(offset + limit) })}`
          : undefined;
      return { status: 200, body: { data: page.map(view), ...(next ? { next } : {}) } };
    }

    if (parts[0] === "jobs" && parts[1]) {
      const job = jobs.get(Number(parts[1]));
      if (!job) return problem(404, "not-found", `Job ${parts[1]} not found`);
      if (req.method === "GET") {
        const scripted = scripts.takeError(job.connectionId, "poll");
        if (scripted) return scripted;
        if (!options.autoAdvanceMs) advance(job);
        return { status: 200, body: view(job) };
      }
      if (req.method === "DELETE") {
        if (terminal(job)) return problem(409, "conflict", `Job ${job.jobId} has already finished`);
        finish(job, "cancelled");
        return { status: 200, body: view(job) };
      }
    }
    return problem(404, "not-found", "Not found");
  }, options.port);
  return { ...server, jobs };
}
