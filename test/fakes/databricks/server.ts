import { startJsonServer, type FakeServer } from "../http-server";
import { Scripts, type Reply } from "../scripting";
import { createSystemTables } from "./system-tables";

/**
 * Databricks Jobs API (CONTRACTS §7), under /api/2.2 (and 2.1, still served):
 *   POST /api/2.2/jobs/run-now {job_id, idempotency_token?, job_parameters?, …}   → {run_id, number_in_job}; a known token returns its run
 *   GET  /api/2.2/jobs/runs/get?run_id=&page_token=   state{life_cycle_state, result_state, state_message}, status{…}, run_page_url,
 *                                                     durations, cluster_instance; tasks[] paged one per page with next_page_token
 *   POST /api/2.2/jobs/runs/cancel {run_id}
 *   POST /api/2.2/jobs/runs/repair {run_id, rerun_tasks? | rerun_all_failed_tasks?, latest_repair_id?}   → {repair_id} (CONTRACTS-2 §3c):
 *        the run must not be in progress; latest_repair_id is required from its second repair and must name its newest
 *        repair; the repaired tasks get new task run ids in the same run, which lists them in repair_history[]
 *   GET  /__fake/repairs/{job}                        the repairs asked of the job's runs: [{run_id, repair_id, latest_repair_id, tasks}]
 *   GET  /api/2.2/jobs/runs/get-output?run_id=<task run id>   {metadata, logs, logs_truncated, error?, error_trace?} (CONTRACTS-2 §3c),
 *                                                     for a notebook task {metadata, notebook_output{result?, truncated}, error?, …}
 *                                                     instead of logs; a multi-task parent's run id answers 400 INVALID_PARAMETER_VALUE
 *   GET  /api/2.2/jobs/list?limit=                    the connection test
 * Auth: `Authorization: Bearer <token>`; errors are `{error_code, message}`. Notifications (jobs.on_start / on_success /
 * on_failure) are POSTed with basic auth `tutti:<webhook_secret>`. Plans are keyed by job id:
 * {polls, outcome: "SUCCESS"|"FAILED"|"TIMEDOUT"|"SUCCESS_WITH_FAILURES", repair_outcome?, repair_polls? (how a repair goes), repair_lag_reads?: n (the first n
 * reads after a repair still show the run as it was before it: the repair not yet in repair_history), queued?: true, status_only?: true, tasks?: n, exists?: false,
 * notebook_exit?: value | (value | null)[], notebook_exit_limit?: n (see notebookOutput), errors: {trigger|poll|cancel: […]}}.
 * SQL statements over system.billing tables registered per SQL warehouse: ./system-tables.ts.
 */
interface Run {
  runId: number;
  jobId: number;
  numberInJob: number;
  lifeCycle: "QUEUED" | "PENDING" | "RUNNING" | "TERMINATING" | "TERMINATED" | "SKIPPED" | "INTERNAL_ERROR";
  result: string | null;
  message: string;
  pollsLeft: number;
  outcome: string;
  statusOnly: boolean;
  taskCount: number;
  body: Record<string, unknown>;
  startTime: number;
  endTime: number;
  /** Task run ids by task index: a repaired task gets a new one. */
  taskRunIds: number[];
  repairs: Array<{ id: number; startTime: number; taskRunIds: number[] }>;
  /** Reads left that answer `staleView`, the run before its latest repair (plan.repair_lag_reads). */
  lagReads?: number;
  staleView?: unknown;
}

export interface DatabricksFakeOptions {
  token: string;
  webhookSecret: string;
  port?: number;
  autoAdvanceMs?: number;
}

export interface DatabricksFake extends FakeServer {
  runs: Map<number, Run>;
}

const fail = (status: number, errorCode: string, message: string): Reply => ({ status, body: { error_code: errorCode, message } });

/**
 * `notebook_output` of task i (CONTRACTS-2 §3c) when the plan makes it a notebook task: `notebook_exit` is the value
 * every task's `dbutils.notebook.exit` passes, or one per task (null: the notebook ends without exit; tasks past the
 * list are not notebook tasks). A failed notebook exits with nothing. Databricks keeps the first 5 MB of the value and
 * says it cut it (`truncated`); the fake cuts at `notebook_exit_limit` characters, so a test need not send 5 MB.
 */
function notebookOutput(plan: Record<string, unknown>, i: number, failed: boolean): { result?: string; truncated: boolean } | null {
  const exits = plan.notebook_exit;
  if (exits === undefined) return null;
  const value = Array.isArray(exits) ? exits[i] : exits;
  if (value === undefined) return null;
  if (value === null || failed) return { truncated: false };
  const limit = typeof plan.notebook_exit_limit === "number" ? plan.notebook_exit_limit : 5 * 1024 * 1024;
  const text = String(value);
  return text.length > limit ? { result: text.slice(0, limit), truncated: true } : { result: text, truncated: false };
}
const done = (r: Run) => r.lifeCycle === "TERMINATED" || r.lifeCycle === "SKIPPED" || r.lifeCycle === "INTERNAL_ERROR";

export async function startDatabricksFake(options: DatabricksFakeOptions): Promise<DatabricksFake> {
  const runs = new Map<number, Run>();
  const byToken = new Map<string, number>();
  const scripts = new Scripts("Databricks");
  const systemTables = createSystemTables(fail);
  let nextRun = 880_000;
  let nextRepair = 734_650_698_524_280;
  let nextTaskRun = 990_000_000;
  const repairs: Array<{ job_id: number; run_id: number; repair_id: number; latest_repair_id: number | null; tasks: string[] }> = [];
  const perJob = new Map<number, number>();
  let baseUrl = "";

  /** Task i fails when the run fails (the last task), succeeds otherwise; states as the parent's. */
  function taskState(r: Run, i: number) {
    const failedHere = r.result === "FAILED" && i === r.taskCount - 1;
    return {
      life_cycle_state: r.lifeCycle,
      ...(r.result ? { result_state: failedHere || r.result !== "FAILED" ? r.result : "SUCCESS" } : {}),
      state_message: failedHere ? r.message : "",
    };
  }

  function taskView(r: Run, i: number) {
    return {
      task_key: `task_${i + 1}`,
      run_id: r.taskRunIds[i],
      state: taskState(r, i),
      start_time: r.startTime,
      end_time: r.endTime,
      setup_duration: 12_000,
      execution_duration: done(r) ? 60_000 : 0,
      cleanup_duration: 1_000,
      cluster_instance: { cluster_id: `0923-164208-fake${r.jobId % 1000}`, spark_context_id: `${r.runId}00${i}` },
      job_cluster_key: "main",
    };
  }

  function view(r: Run, page: number) {
    const tasks = Array.from({ length: r.taskCount }, (_, i) => taskView(r, i));
    const statusState = r.lifeCycle === "SKIPPED" || r.lifeCycle === "INTERNAL_ERROR" ? "TERMINATED" : r.lifeCycle;
    const code =
      r.result === "FAILED" ? "RUN_EXECUTION_ERROR" : r.result === "TIMEDOUT" ? "RUN_EXECUTION_ERROR" : r.result === "CANCELED" ? "USER_CANCELED" : r.result;
    return {
      job_id: r.jobId,
      run_id: r.runId,
      number_in_job: r.numberInJob,
      run_name: `job ${r.jobId}`,
      run_type: "JOB_RUN",
      run_page_url: `${baseUrl}/jobs/${r.jobId}/runs/${r.runId}`,
      ...(r.statusOnly
        ? {}
        : {
            state: {
              life_cycle_state: r.lifeCycle,
              ...(r.result ? { result_state: r.result } : {}),
              state_message: r.message,
              user_cancelled_or_timedout: r.result === "CANCELED",
            },
          }),
      status: {
        state: statusState,
        ...(done(r)
          ? {
              termination_details: {
                code,
                type: r.result === "SUCCESS" || r.result === "SUCCESS_WITH_FAILURES" ? "SUCCESS" : "CLIENT_ERROR",
                message: r.message,
              },
            }
          : {}),
      },
      start_time: r.startTime,
      end_time: r.endTime,
      setup_duration: 12_000,
      execution_duration: done(r) ? 60_000 : 0,
      cleanup_duration: 1_000,
      run_duration: done(r) ? r.endTime - r.startTime : 0,
      queue_duration: 0,
      cluster_instance: { cluster_id: `0923-164208-fake${r.jobId % 1000}`, spark_context_id: String(r.runId) },
      job_clusters: [{ job_cluster_key: "main", new_cluster: { spark_version: "15.4.x-scala2.12", node_type_id: "i3.xlarge", num_workers: 2 } }],
      job_parameters: Object.entries((r.body.job_parameters as Record<string, string>) ?? {}).map(([name, value]) => ({ name, value })),
      ...(r.repairs.length
        ? {
            repair_history: [
              { type: "ORIGINAL", start_time: r.startTime, task_run_ids: r.taskRunIds.map((_, i) => r.runId * 10 + i + 1) },
              ...r.repairs.map((p) => ({ type: "REPAIR", id: p.id, start_time: p.startTime, task_run_ids: p.taskRunIds })),
            ],
          }
        : {}),
      // One task per page, so a client must follow next_page_token to see them all.
      tasks: tasks.slice(page, page + 1),
      ...(page + 1 < tasks.length ? { next_page_token: `page-${page + 1}` } : {}),
    };
  }

  function notify(r: Run, eventType: string) {
    const body = JSON.stringify({
      event_type: eventType,
      workspace_id: "1234567890123456",
      run: { run_id: r.runId },
      job: { job_id: r.jobId, name: `job ${r.jobId}` },
    });
    const auth = `Basic ${Buffer.from(`tutti:${options.webhookSecret}`).toString("base64")}`;
    scripts.emit(String(r.jobId), { event: eventType, headers: { "content-type": "application/json", authorization: auth }, body });
  }

  function finish(r: Run, result: string) {
    if (done(r)) return;
    r.lifeCycle = "TERMINATED";
    r.result = result;
    r.message =
      result === "SUCCESS" ? "" : result === "CANCELED" ? "Run cancelled." : "Task task_1 failed with message: Workload failed, see run output for details.";
    r.endTime = Date.now();
    if (result !== "CANCELED") notify(r, result === "SUCCESS" || result === "SUCCESS_WITH_FAILURES" ? "jobs.on_success" : "jobs.on_failure");
  }

  function advance(r: Run) {
    if (done(r)) return;
    if (r.pollsLeft > 0) {
      r.pollsLeft -= 1;
      if (r.lifeCycle !== "RUNNING") {
        r.lifeCycle = "RUNNING";
        notify(r, "jobs.on_start");
      }
    } else finish(r, r.outcome);
  }

  scripts.onComplete = (key, outcome) => {
    const r = [...runs.values()].filter((x) => String(x.jobId) === key).pop();
    if (!r) return false;
    finish(r, outcome ?? r.outcome);
    return true;
  };

  /** The run holding task run `id` and the task's index, through the task run ids of every repair. */
  function taskRun(id: number): { run: Run; i: number } | null {
    for (const run of runs.values()) {
      const i = run.taskRunIds.indexOf(id);
      if (i >= 0) return { run, i };
    }
    return null;
  }

  const server = await startJsonServer(async (req, url) => {
    const parts = url.pathname.split("/").filter(Boolean);
    if (req.method === "GET" && parts[0] === "__fake" && parts[1] === "repairs")
      return { status: 200, body: repairs.filter((p) => String(p.job_id) === decodeURIComponent(parts[2])) };
    if (req.method === "PUT" && parts[0] === "__fake" && parts[1] === "system-tables") {
      systemTables.register(decodeURIComponent(parts[2]), JSON.parse(req.body));
      return { status: 204 };
    }
    const control = scripts.control(req, url);
    if (control) return control;
    if (parts[0] === "jobs")
      return {
        status: 200,
        raw: `<!doctype html><title>Databricks run ${parts[3]}</title><h1>Databricks (fake) job ${parts[1]} run ${parts[3]}</h1>`,
        headers: { "content-type": "text/html" },
      };
    if (req.headers.authorization !== `Bearer ${options.token}`) return fail(401, "UNAUTHENTICATED", "Invalid access token.");
    const sql = systemTables.handle(req.method, parts, req.body ? (JSON.parse(req.body) as Record<string, unknown>) : {});
    if (sql) return sql;
    if (parts[0] !== "api" || (parts[1] !== "2.2" && parts[1] !== "2.1") || parts[2] !== "jobs")
      return fail(404, "ENDPOINT_NOT_FOUND", `No API found for '${req.method} ${url.pathname}'`);
    const op = parts.slice(3).join("/");
    const body = req.body ? (JSON.parse(req.body) as Record<string, unknown>) : {};

    if (req.method === "GET" && op === "list") return { status: 200, body: { jobs: [{ job_id: 1, settings: { name: "fake job" } }], has_more: false } };

    if (req.method === "POST" && op === "run-now") {
      const jobId = body.job_id;
      if (typeof jobId !== "number" || !Number.isInteger(jobId)) return fail(400, "INVALID_PARAMETER_VALUE", "job_id must be an integer");
      const scripted = scripts.takeError(String(jobId), "trigger");
      if (scripted) return scripted;
      const plan = scripts.plan(String(jobId));
      if (plan.exists === false) return fail(400, "INVALID_PARAMETER_VALUE", `Job ${jobId} does not exist.`);
      const token = body.idempotency_token;
      if (token !== undefined && (typeof token !== "string" || token.length > 64))
        return fail(400, "INVALID_PARAMETER_VALUE", "idempotency_token must be at most 64 characters");
      const known = typeof token === "string" ? byToken.get(token) : undefined;
      if (known !== undefined) return { status: 200, body: { run_id: known, number_in_job: runs.get(known)!.numberInJob } };
      const numberInJob = (perJob.get(jobId) ?? 0) + 1;
      perJob.set(jobId, numberInJob);
      const run: Run = {
        runId: ++nextRun,
        jobId,
        numberInJob,
        lifeCycle: plan.queued ? "QUEUED" : "PENDING",
        result: null,
        message: "Waiting for cluster",
        pollsLeft: Number(plan.polls ?? 0),
        outcome: typeof plan.outcome === "string" ? plan.outcome : "SUCCESS",
        statusOnly: plan.status_only === true,
        taskCount: Number(plan.tasks ?? 2),
        body,
        startTime: Date.now(),
        endTime: 0,
        taskRunIds: [],
        repairs: [],
      };
      run.taskRunIds = Array.from({ length: run.taskCount }, (_, i) => run.runId * 10 + i + 1);
      runs.set(run.runId, run);
      if (typeof token === "string") byToken.set(token, run.runId);
      if (options.autoAdvanceMs) {
        const timer = setInterval(() => (done(run) ? clearInterval(timer) : advance(run)), options.autoAdvanceMs);
        timer.unref();
      }
      await scripts.gate(String(jobId), "trigger");
      return { status: 200, body: { run_id: run.runId, number_in_job: run.numberInJob } };
    }

    if (req.method === "GET" && op === "runs/get") {
      const run = runs.get(Number(url.searchParams.get("run_id")));
      if (!run) return fail(400, "INVALID_PARAMETER_VALUE", `Run ${url.searchParams.get("run_id")} does not exist.`);
      const pageToken = url.searchParams.get("page_token");
      if (!pageToken) {
        const scripted = scripts.takeError(String(run.jobId), "poll");
        if (scripted) return scripted;
        if (run.lagReads) {
          run.lagReads -= 1;
          return { status: 200, body: run.staleView };
        }
        if (!options.autoAdvanceMs) advance(run);
      }
      return { status: 200, body: view(run, pageToken ? Number(pageToken.replace("page-", "")) : 0) };
    }

    if (req.method === "GET" && op === "runs/get-output") {
      const id = Number(url.searchParams.get("run_id"));
      const parent = runs.get(id);
      if (parent && parent.taskCount > 1)
        return fail(
          400,
          "INVALID_PARAMETER_VALUE",
          "Retrieving the output of runs with multiple tasks is not supported. Please retrieve the output of each individual task run instead.",
        );
      const found = parent ? { run: parent, i: 0 } : taskRun(id);
      if (!found) return fail(400, "INVALID_PARAMETER_VALUE", `Run ${id} does not exist.`);
      const { run, i } = found;
      const state = taskState(run, i);
      const failed = state.result_state === "FAILED";
      const plan = scripts.plan(String(run.jobId));
      const echo = plan.echo_token ? `\nworker env: DATABRICKS_TOKEN=${String(req.headers.authorization).replace("Bearer ", "")}` : "";
      const notebook = notebookOutput(plan, i, failed);
      return {
        status: 200,
        body: {
          metadata: { ...taskView(run, i), job_id: run.jobId },
          // A notebook task's output has no `logs` (CONTRACTS-2 §3c: not for notebook, pipeline or spark_submit tasks).
          ...(notebook
            ? { notebook_output: notebook }
            : {
                logs: `Starting task task_${i + 1}\nreading s3://lake/raw/orders/ (124 files)${echo}\n${failed ? "" : "wrote 1024 rows to main.analytics.orders\n"}`,
                logs_truncated: false,
              }),
          ...(failed
            ? {
                error: "ZeroDivisionError: division by zero",
                error_trace:
                  'Traceback (most recent call last):\n  File "/Workspace/jobs/orders.py", line 12, in <module>\n    ratio = total / count\nZeroDivisionError: division by zero',
              }
            : {}),
        },
      };
    }

    if (req.method === "POST" && op === "runs/repair") {
      const run = runs.get(Number(body.run_id));
      if (!run) return fail(400, "INVALID_PARAMETER_VALUE", `Run ${String(body.run_id)} does not exist.`);
      const scripted = scripts.takeError(String(run.jobId), "repair");
      if (scripted) return scripted;
      if (!done(run)) return fail(400, "INVALID_STATE", `Run ${run.runId} is still in progress and cannot be repaired.`);
      if (body.rerun_tasks !== undefined && body.rerun_all_failed_tasks !== undefined)
        return fail(400, "INVALID_PARAMETER_VALUE", "Only one of rerun_tasks and rerun_all_failed_tasks may be set.");
      const latest = run.repairs.at(-1)?.id ?? null;
      if (latest !== null && body.latest_repair_id !== latest)
        return fail(400, "INVALID_PARAMETER_VALUE", `latest_repair_id must be ${latest}, the run's latest repair.`);
      const keys = Array.from({ length: run.taskCount }, (_, i) => `task_${i + 1}`);
      const failed = keys.filter((_, i) => taskState(run, i).result_state !== "SUCCESS" && taskState(run, i).result_state !== "SUCCESS_WITH_FAILURES");
      const chosen =
        body.rerun_all_failed_tasks === true ? failed : Array.isArray(body.rerun_tasks) ? keys.filter((k) => (body.rerun_tasks as string[]).includes(k)) : [];
      if (!chosen.length) return fail(400, "INVALID_PARAMETER_VALUE", "No tasks to repair: name rerun_tasks or set rerun_all_failed_tasks on a failed run.");
      const plan = scripts.plan(String(run.jobId));
      run.lagReads = Number(plan.repair_lag_reads ?? 0);
      run.staleView = view(run, 0);
      const repair = { id: ++nextRepair, startTime: Date.now(), taskRunIds: [] as number[] };
      for (const key of chosen) {
        const i = keys.indexOf(key);
        run.taskRunIds[i] = ++nextTaskRun;
        repair.taskRunIds.push(run.taskRunIds[i]);
      }
      run.repairs.push(repair);
      run.lifeCycle = "PENDING";
      run.result = null;
      run.message = "Repairing the run";
      run.endTime = 0;
      run.pollsLeft = Number(plan.repair_polls ?? plan.polls ?? 0);
      run.outcome = typeof plan.repair_outcome === "string" ? plan.repair_outcome : "SUCCESS";
      repairs.push({
        job_id: run.jobId,
        run_id: run.runId,
        repair_id: repair.id,
        latest_repair_id: typeof body.latest_repair_id === "number" ? body.latest_repair_id : null,
        tasks: chosen,
      });
      return { status: 200, body: { repair_id: repair.id } };
    }

    if (req.method === "POST" && op === "runs/cancel") {
      const run = runs.get(Number(body.run_id));
      if (!run) return fail(400, "INVALID_PARAMETER_VALUE", `Run ${String(body.run_id)} does not exist.`);
      const scripted = scripts.takeError(String(run.jobId), "cancel");
      if (scripted) return scripted;
      finish(run, "CANCELED");
      return { status: 200, body: {} };
    }
    return fail(404, "ENDPOINT_NOT_FOUND", `No API found for '${req.method} ${url.pathname}'`);
  }, options.port);
  baseUrl = server.url;
  return { ...server, runs };
}
