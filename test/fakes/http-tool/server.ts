import { startJsonServer, type Answer, type FakeServer } from "../http-server";

/**
 * A generic job API, the kind the `http` connector drives:
 *   POST /jobs {polls?: n, outcome?: "succeeded"|"failed", fail_times?: n, key?, no_new_data?, message?, callback_url?, delay_ms?: n, rows?: n}
 *     → 201 {id, status, url, rows?} (`rows`: what a job API reports it processed, echoed in every view of the job); with fail_times, the first n creations for `key` answer 500. With an
 *     `Idempotency-Key` header (IETF httpapi draft, as Stripe takes it) a repeated POST with the same key creates
 *     nothing and answers the job that key created. `delay_ms` makes this call and each status read of the job
 *     take that long (a slow tool).
 *   GET  /jobs/:id → {id, status, message, no_new_data}; a job created with polls: n reads "running" n − 1 times, then its outcome.
 *   POST /jobs/:id/cancel → {id, status: "cancelled"}
 *   GET  /health → {ok: true} (the connection test)
 *   GET  /flags/:name?after=n → {name, ready, reads}: a condition a sensor waits for; `ready` is false on the first
 *     n − 1 reads of that name and true from the n-th on (never true without `after`).
 * With a token configured, every call needs `Authorization: Bearer <token>` (else 401).
 * `POST /rate-limited` answers 429 with Retry-After: 7.
 * Jobs created with `group: <name>` are counted per group, to see how many ran at the same time (test-only):
 *   GET /__groups/:name → {running, peak, started: [job keys in the order created], finished}.
 * Whatever the credentials (a misbehaving server or proxy, to test what Tutti sends and keeps):
 *   ANY /echo/<status> → <status> with the request's headers in the error body, authorization first (as some proxies do);
 *   ANY /redirect?to=<url>&status=<3xx> → a redirect (302 by default) to `to`.
 */
export interface Job {
  id: string;
  status: "running" | "succeeded" | "failed" | "cancelled";
  pollsLeft: number;
  outcome: "succeeded" | "failed";
  message: string;
  noNewData: boolean;
  callbackUrl: string | null;
  body: Record<string, unknown>;
}

/** Jobs of one `group`: how many are running now, the most at once, and the order they were created in. */
interface Group {
  running: number;
  peak: number;
  started: string[];
  finished: number;
}

export interface HttpToolFake extends FakeServer {
  jobs: Map<string, Job>;
  /** Job id per Idempotency-Key, as created. */
  jobsByIdempotencyKey: Map<string, string>;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export async function startHttpToolFake(options: { token?: string; port?: number } = {}): Promise<HttpToolFake> {
  const jobs = new Map<string, Job>();
  const jobsByIdempotencyKey = new Map<string, string>();
  const failures = new Map<string, number>();
  const flagReads = new Map<string, number>();
  const groups = new Map<string, Group>();
  const groupOf = (job: Job) => (typeof job.body.group === "string" ? groups.get(job.body.group) : undefined);
  /** A job of a group leaving `running` (its outcome read by a poll, or cancelled). */
  const ended = (job: Job, before: Job["status"]) => {
    const group = groupOf(job);
    if (group && before === "running" && job.status !== "running") {
      group.running -= 1;
      group.finished += 1;
    }
  };
  let counter = 0;
  const server = await startJsonServer(async (req, url): Promise<Answer> => {
    if (url.pathname.startsWith("/echo/")) {
      const { authorization, ...rest } = req.headers;
      return { status: Number(url.pathname.split("/")[2]) || 500, body: { error: "request refused", echo: { authorization, ...rest } } };
    }
    if (url.pathname === "/redirect")
      return { status: Number(url.searchParams.get("status") ?? 302), headers: { location: url.searchParams.get("to") ?? "/" } };
    // The test's own view, like /__requests: no credentials.
    if (req.method === "GET" && url.pathname.startsWith("/__groups/")) {
      return { status: 200, body: groups.get(url.pathname.split("/")[2]) ?? { running: 0, peak: 0, started: [], finished: 0 } };
    }
    if (options.token && req.headers.authorization !== `Bearer ${options.token}`) return { status: 401, body: { error: "unauthorized" } };
    const parts = url.pathname.split("/").filter(Boolean);
    if (req.method === "GET" && url.pathname === "/health") return { status: 200, body: { ok: true } };
    if (req.method === "GET" && parts[0] === "flags" && parts[1] && parts.length === 2) {
      const reads = (flagReads.get(parts[1]) ?? 0) + 1;
      flagReads.set(parts[1], reads);
      const after = Number(url.searchParams.get("after") ?? Infinity);
      return { status: 200, body: { name: parts[1], ready: reads >= after, reads } };
    }
    if (req.method === "POST" && url.pathname === "/rate-limited") return { status: 429, body: { error: "slow down" }, headers: { "retry-after": "7" } };
    if (req.method === "POST" && parts[0] === "jobs" && parts.length === 1) {
      const body = (req.body ? JSON.parse(req.body) : {}) as Record<string, unknown>;
      if (body.delay_ms) await sleep(Number(body.delay_ms));
      const idempotencyKey = req.headers["idempotency-key"];
      const replayed = typeof idempotencyKey === "string" ? jobs.get(jobsByIdempotencyKey.get(idempotencyKey) ?? "") : undefined;
      if (replayed) return { status: 201, body: view(replayed) };
      const key = String(body.key ?? "");
      const failTimes = Number(body.fail_times ?? 0);
      if (failTimes > 0) {
        const seen = failures.get(key) ?? 0;
        failures.set(key, seen + 1);
        if (seen < failTimes) return { status: 500, body: { error: `planned failure ${seen + 1} of ${failTimes}` } };
      }
      const id = `job_${++counter}`;
      const polls = Number(body.polls ?? 0);
      const job: Job = {
        id,
        status: polls > 0 ? "running" : ((body.outcome as Job["outcome"]) ?? "succeeded"),
        pollsLeft: polls,
        outcome: (body.outcome as Job["outcome"]) ?? "succeeded",
        message: String(body.message ?? ""),
        noNewData: body.no_new_data === true,
        callbackUrl: typeof body.callback_url === "string" ? body.callback_url : null,
        body,
      };
      jobs.set(id, job);
      if (typeof body.group === "string") {
        const group = groups.get(body.group) ?? { running: 0, peak: 0, started: [], finished: 0 };
        groups.set(body.group, group);
        group.started.push(key);
        if (job.status === "running") group.running += 1;
        else group.finished += 1;
        group.peak = Math.max(group.peak, group.running);
      }
      if (typeof idempotencyKey === "string") jobsByIdempotencyKey.set(idempotencyKey, id);
      return { status: 201, body: view(job) };
    }
    if (parts[0] === "jobs" && parts[1]) {
      const job = jobs.get(parts[1]);
      if (!job) return { status: 404, body: { error: "no such job" } };
      if (req.method === "POST" && parts[2] === "cancel") {
        const before = job.status;
        if (job.status === "running") job.status = "cancelled";
        ended(job, before);
        return { status: 200, body: view(job) };
      }
      if (req.method === "GET" && parts.length === 2) {
        if (job.body.delay_ms) await sleep(Number(job.body.delay_ms));
        const before = job.status;
        if (job.status === "running") {
          job.pollsLeft -= 1;
          if (job.pollsLeft <= 0) job.status = job.outcome;
        }
        ended(job, before);
        return { status: 200, body: view(job) };
      }
    }
    return { status: 404, body: { error: "not found" } };
  }, options.port);
  function view(job: Job) {
    const rows = job.body.rows !== undefined ? { rows: job.body.rows } : {};
    return { id: job.id, status: job.status, message: job.message, no_new_data: job.noNewData, url: `${server.url}/ui/jobs/${job.id}`, ...rows };
  }
  return { ...server, jobs, jobsByIdempotencyKey };
}
