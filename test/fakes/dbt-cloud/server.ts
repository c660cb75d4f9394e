import { createHmac } from "node:crypto";
import { readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { startJsonServer, type FakeServer } from "../http-server";
import { Scripts, type Reply } from "../scripting";

/**
 * dbt Cloud Administrative API v2 (CONTRACTS §3), for one account:
 *   GET  /api/v2/accounts/{account}/                       account (the connection test)
 *   POST /api/v2/accounts/{account}/jobs/{job}/run/        {cause (required, ≤255), …overrides} → {status, data: run}
 *   GET  /api/v2/accounts/{account}/runs/{run}/            data.status 1|2|3 → 10|20|30
 *   GET  /api/v2/accounts/{account}/runs/{run}/?include_related=["run_steps"]   adds data.run_steps[] with each step's `logs` (CONTRACTS-2 §7)
 *   POST /api/v2/accounts/{account}/runs/{run}/cancel/
 *   POST /api/v2/accounts/{account}/jobs/{job}/rerun/      no body (CONTRACTS-2 §7): reruns the job's latest run from its point of failure
 *        (`dbt retry` over only the models that run left failed), or starts a new run when that run did not fail → {status, data: run}
 *   GET  /__fake/reruns/{job}                               the reruns asked of the job: [{run_id, rerun_of, models}]
 *   GET  /api/v2/accounts/{account}/runs/?job_definition_id=&offset=&limit=   paged, extra.pagination{total_count,count}
 *   GET  /api/v2/accounts/{account}/runs/{run}/artifacts/               list
 *   GET  /api/v2/accounts/{account}/runs/{run}/artifacts/{path}?step=N  manifest.json, run_results.json
 * Auth: `Authorization: Token <token>` or `Bearer <token>`; errors use dbt Cloud's `{status:{code,is_success,user_message}}` envelope.
 * Webhooks: job.run.started / job.run.errored / job.run.completed, body shaped like the zulip fixtures, signed with
 * lowercase hex HMAC-SHA256 in `Authorization`.
 * Plans are keyed by job id: {polls, outcome: "success"|"error"|"cancelled", failed_models?: [names] (what an errored
 * run leaves failed; default ["orders"]), rerun_outcome?, rerun_polls? (how a rerun from failure goes), run_id?, artifacts?: false, artifact_404s?: n,
 * run_results?: "<path under test/fixtures/dbt>" (serve that recorded run_results.json instead), errors: {trigger|poll|cancel|artifact: […]}, hold: ["trigger"]}.
 * Step logs: `log_bytes: n` adds n bytes of model lines to the dbt step (a long log), `echo_token: true` makes the
 * clone step print the request's Authorization header (a tool echoing a credential). A read with run_steps does not
 * move the scripted run along (only status polls do), so log fetches leave a test's planned poll count alone.
 * Artifacts can answer 404 for a while after a run completes (seen in practice; dbt Cloud sends job.run.completed only
 * "after the artifacts are ingested", CONTRACTS §3): `artifact_404s: n` answers 404 to the first n artifact file
 * requests of the job even though the files exist; `artifacts: false` answers 404 for good.
 */
export interface DbtRun {
  id: number;
  jobId: string;
  status: number;
  pollsLeft: number;
  outcome: "success" | "error" | "cancelled";
  cause: string;
  body: Record<string, unknown>;
  createdAt: string;
  startedAt: string | null;
  finishedAt: string | null;
  /** Set on a rerun from failure: the run it reruns, and the only models it runs (those that run left failed). */
  rerunOf?: number;
  models?: string[];
}

const ALL_MODELS = ["stg_customers", "stg_orders", "stg_payments", "customers", "orders"];

export interface DbtCloudFakeOptions {
  token: string;
  accountId: number;
  webhookSecret: string;
  port?: number;
  /** Advance every run one step per interval without polling (for the demo); tests leave it unset. */
  autoAdvanceMs?: number;
}

export interface DbtCloudFake extends FakeServer {
  runs: Map<number, DbtRun>;
}

/** What a finished run left failed: nothing unless it errored, then the plan's failed models. */
const failedModels = (run: DbtRun, plan: Record<string, unknown>) =>
  run.status !== 20 ? [] : Array.isArray(plan.failed_models) ? (plan.failed_models as string[]) : ["orders"];

// The artifacts of one real dbt 1.8.9 run of jaffle_shop on DuckDB (test/fixtures/SOURCES.md).
const artifactsDir = join(dirname(fileURLToPath(import.meta.url)), "../../fixtures/dbt/duckdb-1.8");
const STATUS_TEXT: Record<number, string> = { 1: "Queued", 2: "Starting", 3: "Running", 10: "Success", 20: "Error", 30: "Cancelled" };
const WEBHOOK_STATUS: Record<number, string> = { 3: "Running", 10: "Success", 20: "Errored", 30: "Cancelled" };

const envelope = (code: number, data: unknown, message = "Success!") => ({
  status: { code, is_success: code < 400, user_message: message, developer_message: "" },
  data,
});
const fail = (code: number, message: string): Reply => ({ status: code, body: envelope(code, null, message) });

export async function startDbtCloudFake(options: DbtCloudFakeOptions): Promise<DbtCloudFake> {
  const runs = new Map<number, DbtRun>();
  const scripts = new Scripts("dbt Cloud");
  let nextId = 70_000;
  let eventCounter = 0;
  /** Artifact file requests per job, for plan.artifact_404s. */
  const artifactRequests = new Map<string, number>();
  const reruns: Array<{ job_id: string; run_id: number; rerun_of: number | null; models: string[] }> = [];
  let baseUrl = "";

  /** The run's steps as dbt Cloud lists them: clone, profile, then the dbt command, whose log grows while it runs. */
  function steps(run: DbtRun, authorization: string) {
    if (run.status < 3) return [];
    const plan = scripts.plan(run.jobId);
    const done = run.status >= 10;
    const dbtStatus = !done ? 3 : run.status;
    const command = run.rerunOf ? "dbt retry" : Array.isArray(run.body.steps_override) ? String(run.body.steps_override[0]) : "dbt build";
    const models = run.models ?? ALL_MODELS;
    const lines = [
      `${run.startedAt} Running with dbt=1.8.9`,
      `${run.startedAt} Found 5 models, 20 data tests, 3 seeds, 0 sources, 534 macros`,
      `${run.startedAt} Concurrency: 4 threads (target='prod')`,
      ...models
        .slice(0, done ? models.length : 2)
        .map((m, i) => `${run.startedAt} ${i + 1} of ${models.length} OK created sql view model analytics.${m} ........ [OK in 0.12s]`),
    ];
    const padding = Number(plan.log_bytes ?? 0);
    for (let i = 0, length = 0; length < padding; i++) {
      const line = `${run.startedAt} model line ${i} ${"x".repeat(80)}`;
      lines.push(line);
      length += line.length + 1;
    }
    if (done && run.status === 20) lines.push(`${run.finishedAt} Database Error in model orders (models/orders.sql)`, '  relation "raw_orders" does not exist');
    if (done && run.status === 10) lines.push(`${run.finishedAt} Completed successfully`, `${run.finishedAt} Done. PASS=25 WARN=0 ERROR=0 SKIP=0 TOTAL=25`);
    const step = (index: number, name: string, status: number, logs: string) => ({
      id: run.id * 10 + index,
      run_id: run.id,
      account_id: options.accountId,
      index,
      status,
      status_humanized: STATUS_TEXT[status],
      name,
      logs,
      debug_logs: "",
      truncated_debug_logs: "",
      log_path: null,
      debug_log_path: null,
      started_at: run.startedAt,
      finished_at: status >= 10 ? run.finishedAt : null,
      duration: "00:00:01",
      created_at: run.createdAt,
      updated_at: run.finishedAt ?? run.startedAt,
    });
    return [
      step(
        1,
        "Clone git repository",
        10,
        `Cloning into '/tmp/jobs/${run.id}/target'...${plan.echo_token ? `\nrequest headers: Authorization: ${authorization}` : ""}\nSuccessfully cloned repository.`,
      ),
      step(2, "Create profile from connection Snowflake", 10, "Writing profile to /tmp/jobs/profiles.yml"),
      step(3, `Invoke dbt with \`${command}\``, dbtStatus, lines.join("\n")),
    ];
  }

  function view(run: DbtRun, authorization?: string) {
    const complete = run.status >= 10;
    return {
      id: run.id,
      account_id: options.accountId,
      job_definition_id: Number(run.jobId),
      job_id: Number(run.jobId),
      status: run.status,
      status_humanized: STATUS_TEXT[run.status],
      in_progress: !complete,
      is_complete: complete,
      is_success: run.status === 10,
      is_error: run.status === 20,
      is_cancelled: run.status === 30,
      status_message: run.status === 20 ? 'Database Error in model orders: relation "raw_orders" does not exist' : null,
      created_at: run.createdAt,
      started_at: run.startedAt,
      finished_at: run.finishedAt,
      git_branch: run.body.git_branch ?? "main",
      git_sha: run.body.git_sha ?? "3484a3fb816e0859fd6e1cea078d76385ff50625",
      trigger: { cause: run.cause, schema_override: run.body.schema_override ?? null, steps_override: run.body.steps_override ?? null },
      href: `${baseUrl}/deploy/${options.accountId}/projects/1/runs/${run.id}/`,
      run_steps: authorization === undefined ? [] : steps(run, authorization),
    };
  }

  function webhook(run: DbtRun, eventType: string) {
    const data: Record<string, unknown> = {
      jobId: run.jobId,
      jobName: `Job ${run.jobId}`,
      runId: String(run.id),
      environmentId: "1234",
      environmentName: "Production",
      dbtVersion: "1.8.9",
      projectName: "jaffle_shop",
      projectId: "167194",
      runStatus: WEBHOOK_STATUS[run.status] ?? "Running",
      runStatusCode: run.status,
      runStatusMessage: run.status === 20 ? "dbt command failed" : "None",
      runReason: run.cause,
      runStartedAt: run.startedAt ?? run.createdAt,
    };
    if (eventType === "job.run.errored") data.runErroredAt = run.finishedAt;
    else if (eventType === "job.run.completed") data.runFinishedAt = run.finishedAt;
    const body = JSON.stringify({
      accountId: options.accountId,
      webhookId: "wsu_fake0tutti",
      eventId: `wev_fake${String(++eventCounter).padStart(6, "0")}${run.id}`,
      timestamp: new Date().toISOString().replace("Z", "000000Z"),
      eventType,
      webhookName: "tutti",
      data,
    });
    const signature = createHmac("sha256", options.webhookSecret).update(body).digest("hex");
    scripts.emit(run.jobId, { event: eventType, headers: { "content-type": "application/json", authorization: signature }, body });
  }

  function start(run: DbtRun) {
    if (run.status >= 3) return;
    run.status = 3;
    run.startedAt = new Date().toISOString();
    webhook(run, "job.run.started");
  }

  function finish(run: DbtRun, outcome: DbtRun["outcome"]) {
    if (run.status >= 10) return;
    if (outcome !== "cancelled") start(run);
    run.status = outcome === "success" ? 10 : outcome === "error" ? 20 : 30;
    run.finishedAt = new Date().toISOString();
    // An errored run is announced twice: job.run.errored at once, job.run.completed after artifacts are in.
    if (run.status === 20) webhook(run, "job.run.errored");
    webhook(run, "job.run.completed");
  }

  /** One step of a run's life: queued → running → its outcome after `polls` more steps. */
  function advance(run: DbtRun) {
    if (run.status >= 10) return;
    if (run.pollsLeft <= 0) finish(run, run.outcome);
    else {
      run.pollsLeft -= 1;
      start(run);
    }
  }

  scripts.onComplete = (key, outcome) => {
    const run = [...runs.values()].filter((r) => r.jobId === key).pop();
    if (!run) return false;
    finish(run, (outcome as DbtRun["outcome"]) ?? run.outcome);
    return true;
  };

  function newRun(fields: Pick<DbtRun, "id" | "jobId" | "pollsLeft" | "outcome" | "cause" | "body" | "rerunOf" | "models">): DbtRun {
    const run: DbtRun = { ...fields, status: 1, createdAt: new Date().toISOString(), startedAt: null, finishedAt: null };
    runs.set(run.id, run);
    if (options.autoAdvanceMs) {
      const timer = setInterval(() => (run.status >= 10 ? clearInterval(timer) : advance(run)), options.autoAdvanceMs);
      timer.unref();
    }
    return run;
  }

  const server = await startJsonServer(async (req, url) => {
    const parts = url.pathname.split("/").filter(Boolean);
    if (req.method === "GET" && parts[0] === "__fake" && parts[1] === "reruns")
      return { status: 200, body: reruns.filter((r) => r.job_id === decodeURIComponent(parts[2])) };
    const control = scripts.control(req, url);
    if (control) return control;
    if (parts[0] === "deploy")
      return {
        status: 200,
        raw: `<!doctype html><title>dbt Cloud run ${parts[4]}</title><h1>dbt Cloud (fake) run ${parts[4]}</h1>`,
        headers: { "content-type": "text/html" },
      };
    if (parts[0] !== "api" || parts[1] !== "v2" || parts[2] !== "accounts") return fail(404, "Not found.");
    const auth = req.headers.authorization;
    if (auth !== `Token ${options.token}` && auth !== `Bearer ${options.token}`) return fail(401, "Invalid token.");
    if (parts[3] !== String(options.accountId)) return fail(404, "Account not found.");
    const rest = parts.slice(4);

    if (req.method === "GET" && rest.length === 0) return { status: 200, body: envelope(200, { id: options.accountId, name: "Fake Analytics", state: 1 }) };

    if (req.method === "POST" && rest[0] === "jobs" && rest[2] === "run" && rest.length === 3) {
      const jobId = rest[1];
      const scripted = scripts.takeError(jobId, "trigger");
      if (scripted) return scripted;
      const body = req.body ? (JSON.parse(req.body) as Record<string, unknown>) : {};
      if (typeof body.cause !== "string" || !body.cause) return fail(400, "cause: This field is required.");
      if (body.cause.length > 255) return fail(400, "cause: Ensure this field has no more than 255 characters.");
      const plan = scripts.plan(jobId);
      const id = typeof plan.run_id === "number" ? plan.run_id : ++nextId;
      const run = newRun({ id, jobId, pollsLeft: Number(plan.polls ?? 0), outcome: (plan.outcome as DbtRun["outcome"]) ?? "success", cause: body.cause, body });
      // The run exists from here on; a held trigger only delays the response it already wrote (a webhook can beat it).
      const response = envelope(200, view(run));
      await scripts.gate(jobId, "trigger");
      return { status: 200, body: response };
    }

    if (req.method === "POST" && rest[0] === "jobs" && rest[2] === "rerun" && rest.length === 3) {
      const jobId = rest[1];
      const scripted = scripts.takeError(jobId, "rerun");
      if (scripted) return scripted;
      const plan = scripts.plan(jobId);
      const latest = [...runs.values()].filter((r) => r.jobId === jobId).sort((a, b) => b.id - a.id)[0];
      if (!latest) return fail(400, "This job has no run to rerun.");
      if (!latest.finishedAt) return fail(400, "The job's latest run is still in progress.");
      const failed = failedModels(latest, plan);
      const run = newRun({
        id: ++nextId,
        jobId,
        pollsLeft: Number(plan.rerun_polls ?? plan.polls ?? 0),
        outcome: failed.length ? ((plan.rerun_outcome as DbtRun["outcome"]) ?? "success") : ((plan.outcome as DbtRun["outcome"]) ?? "success"),
        cause: failed.length ? `Rerun of run ${latest.id} from failure` : latest.cause,
        body: {},
        ...(failed.length ? { rerunOf: latest.id, models: failed } : {}),
      });
      reruns.push({ job_id: jobId, run_id: run.id, rerun_of: run.rerunOf ?? null, models: run.models ?? ALL_MODELS });
      return { status: 200, body: envelope(200, view(run)) };
    }

    if (req.method === "GET" && rest[0] === "runs" && rest.length === 1) {
      const jobId = url.searchParams.get("job_definition_id");
      const offset = Number(url.searchParams.get("offset") ?? 0);
      const limit = Math.min(Number(url.searchParams.get("limit") ?? 100), 100);
      const all = [...runs.values()].filter((r) => !jobId || r.jobId === jobId).sort((a, b) => b.id - a.id);
      const pageRuns = all.slice(offset, offset + limit);
      return {
        status: 200,
        body: {
          ...envelope(
            200,
            pageRuns.map((r) => view(r)),
          ),
          extra: { pagination: { total_count: all.length, count: pageRuns.length } },
        },
      };
    }

    if (rest[0] === "runs" && rest[1]) {
      const run = runs.get(Number(rest[1]));
      if (!run) return fail(404, "Run not found.");
      if (req.method === "GET" && rest.length === 2) {
        const related = url.searchParams.get("include_related") ?? "";
        if (related.includes("run_steps")) return { status: 200, body: envelope(200, view(run, String(req.headers.authorization))) };
        const scripted = scripts.takeError(run.jobId, "poll");
        if (scripted) return scripted;
        await scripts.gate(run.jobId, "poll");
        if (!options.autoAdvanceMs) advance(run);
        return { status: 200, body: envelope(200, view(run)) };
      }
      if (req.method === "POST" && rest[2] === "cancel") {
        const scripted = scripts.takeError(run.jobId, "cancel");
        if (scripted) return scripted;
        finish(run, "cancelled");
        return { status: 200, body: envelope(200, view(run)) };
      }
      if (req.method === "GET" && rest[2] === "artifacts") {
        const scripted = scripts.takeError(run.jobId, "artifact");
        if (scripted) return scripted;
        const available = run.status >= 10 && run.status !== 30 && scripts.plan(run.jobId).artifacts !== false;
        if (rest.length === 3) return { status: 200, body: envelope(200, available ? ["manifest.json", "run_results.json"] : []) };
        const path = rest.slice(3).join("/");
        if (!available || !["manifest.json", "run_results.json"].includes(path)) return fail(404, "The requested artifact was not found.");
        const early = Number(scripts.plan(run.jobId).artifact_404s ?? 0);
        const served = artifactRequests.get(run.jobId) ?? 0;
        artifactRequests.set(run.jobId, served + 1);
        if (served < early) return fail(404, "The requested artifact was not found.");
        // plan.run_results: another recorded run's results (a path under test/fixtures/dbt), e.g. one that changed no rows.
        const planned = path === "run_results.json" ? scripts.plan(run.jobId).run_results : undefined;
        return { status: 200, raw: readFileSync(typeof planned === "string" ? join(artifactsDir, "..", planned) : join(artifactsDir, path)) };
      }
    }
    return fail(404, "Not found.");
  }, options.port);
  baseUrl = server.url;
  return { ...server, runs };
}
