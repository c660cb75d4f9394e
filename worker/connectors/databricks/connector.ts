import { ConnectorError } from "../http-errors";
import { log } from "../../lib/log";
import { epochMs, field, num, str, testFailure } from "../tool-http";
import type { ConnectorDefinition, CostFact, ExternalHandle, TaskOutcome, TerminalOutcome } from "../types";
import { databricksClient } from "./client";
import { DatabricksConfig, DatabricksWith } from "./schema";
import { databricksRunState, idempotencyToken, latestRepairId, repairIdsOf } from "./status";
import { runOutputs, startedTasks } from "./task-output";
import { databricksWebhook } from "./webhook";

/** `with` fields passed to run-now under the same names. */
const passThrough = [
  "job_parameters",
  "notebook_params",
  "python_params",
  "python_named_params",
  "jar_params",
  "spark_submit_params",
  "sql_params",
  "dbt_commands",
  "pipeline_params",
  "only",
  "performance_target",
] as const;

function outcomeOf(run: unknown, handle: ExternalHandle): TaskOutcome {
  const next: ExternalHandle = { ...handle, externalUrl: str(field(run, "run_page_url")) ?? handle.externalUrl };
  const s = databricksRunState(run);
  switch (s.state) {
    case "running":
      return { status: "running", ...next };
    case "succeeded":
      return {
        status: "succeeded",
        ...next,
        output: { run_id: next.externalId, run_page_url: next.externalUrl, result_state: s.withFailures ? "SUCCESS_WITH_FAILURES" : "SUCCESS" },
      };
    case "failed":
      return { status: "failed", error: { kind: "tool_failure", message: s.message }, ...next };
    case "cancelled":
      return { status: "cancelled", reason: s.message, ...next };
  }
}

/**
 * Once the run has ended: each started task run's output, read once (get-output answers for task runs, not for a
 * multi-task parent) for both the attempt's log and the rows its notebooks reported (./task-output.ts). A task's output
 * is complete only then, and reading outputs while the run goes would cost a call per task per poll. Reading them is
 * a by-product: when it fails the task ends as the run did, without a log and with its rows unknown.
 */
async function readTaskOutputs(client: ReturnType<typeof databricksClient>, runId: string, run: unknown) {
  try {
    const outputs = [];
    for (const task of startedTasks(await client.allTasks(runId, run)))
      outputs.push({ task, output: await client.getOutput(String(num(field(task, "run_id")))) });
    return runOutputs(outputs);
  } catch (err) {
    // Not the message: a tool's error text can echo the request's credentials, and this log has no redactor.
    log.warn("reading Databricks task outputs failed", { run_id: runId, kind: err instanceof ConnectorError ? err.error.kind : "network" });
    return { log: null, rowsAffected: null };
  }
}

/** A terminal outcome with the attempt's log and, when it succeeded, the rows it changed (0: no new data). */
function withTaskOutputs(outcome: TerminalOutcome, read: { log: string | null; rowsAffected: number | null }): TaskOutcome {
  const logged = read.log === null ? outcome : { ...outcome, log: read.log };
  if (logged.status !== "succeeded" || read.rowsAffected === null) return logged;
  return { ...logged, noNewData: read.rowsAffected === 0, output: { ...logged.output, rows_affected: read.rowsAffected } };
}

/** The cost-relevant part of a run: durations, and which clusters (or serverless compute) ran which task. */
export function databricksCostFact(host: string, run: unknown, tasks: unknown[]): CostFact {
  const pick = (o: unknown, keys: string[]) => Object.fromEntries(keys.map((k) => [k, field(o, k)]).filter(([, v]) => v !== undefined));
  const durations = ["setup_duration", "execution_duration", "cleanup_duration", "run_duration", "queue_duration"];
  const runId = String(num(field(run, "run_id")) ?? str(field(run, "run_id")));
  return {
    externalRef: `${new URL(host).host}/${runId}`,
    startedAt: epochMs(field(run, "start_time")) || null,
    endedAt: epochMs(field(run, "end_time")) || null,
    facts: {
      workspace: new URL(host).host,
      ...pick(run, [
        "run_id",
        "job_id",
        "number_in_job",
        "run_name",
        "run_type",
        "start_time",
        "end_time",
        ...durations,
        "cluster_instance",
        "cluster_spec",
        "job_clusters",
        "performance_target",
      ]),
      result_state: field(field(run, "state"), "result_state") ?? field(field(field(run, "status"), "termination_details"), "code") ?? null,
      tasks: tasks.map((t) =>
        pick(t, [
          "task_key",
          "run_id",
          "start_time",
          "end_time",
          ...durations,
          "cluster_instance",
          "existing_cluster_id",
          "new_cluster",
          "job_cluster_key",
          "environment_key",
          "compute",
        ]),
      ),
    },
  };
}

/**
 * Databricks Jobs: run-now with a per-attempt idempotency token, follow life-cycle/result states, read the ended run's
 * task outputs (log, notebook row counts), record run cost facts.
 */
export const databricksConnector: ConnectorDefinition<DatabricksWith, DatabricksConfig> = {
  kind: "databricks",
  title: "Databricks Jobs",
  withSchema: DatabricksWith,
  configSchema: DatabricksConfig,
  secretFields: ["token"],
  optionalSecretFields: ["webhook_secret"],
  hostFields: ["base_url"],
  outputs: {
    run_id: { type: "string", description: "The job run's id" },
    run_page_url: { type: "string", description: "The run's page in the workspace" },
    result_state: { type: "string", description: "`SUCCESS`, or `SUCCESS_WITH_FAILURES` when some tasks failed and the job still counts it a success" },
    rows_affected: {
      type: "int",
      description:
        'Rows the run changed, when every task that ran is a notebook exiting with `dbutils.notebook.exit(json.dumps({"rows_affected": n}))`; 0 reports no new data',
    },
  },

  async trigger(ctx, input) {
    const body: Record<string, unknown> = { job_id: Number(input.job_id), idempotency_token: await idempotencyToken(ctx.run) };
    for (const key of passThrough) if (input[key] !== undefined) body[key] = input[key];
    if (input.queue !== undefined) body.queue = { enabled: input.queue };
    const started = await databricksClient(ctx).runNow(body);
    const runId = num(field(started, "run_id"));
    if (runId === null) throw new ConnectorError({ kind: "tool_failure", message: "Databricks accepted run-now but returned no run_id" });
    return { status: "running", externalId: String(runId), externalUrl: `${ctx.config.base_url.replace(/\/+$/, "")}/jobs/${input.job_id}/runs/${runId}` };
  },

  /**
   * Repairs the failed run: Databricks runs its failed tasks again (new task run ids inside the same run), the tasks
   * that succeeded keep their results. `latest_repair_id` is required from a run's second repair, so it is read from the
   * run itself (also counting repairs made in Databricks). A resubmitted repair finding a repair newer than the one the
   * failed attempt knew follows it instead of repairing again.
   */
  rerun: {
    kind: "repair",
    async start(ctx, _input, failed) {
      if (!failed.externalId) throw new ConnectorError({ kind: "tool_failure", message: "no Databricks run id was recorded for the failed attempt" });
      const client = databricksClient(ctx);
      const latest = latestRepairId(await client.getRun(failed.externalId));
      const known = num(failed.state?.repair_id);
      const following = { externalId: failed.externalId, externalUrl: failed.externalUrl };
      if (ctx.run.resubmission && latest !== null && latest !== known) return { status: "running", ...following, state: { repair_id: latest } };
      const repaired = await client.repairRun({
        run_id: Number(failed.externalId),
        rerun_all_failed_tasks: true,
        ...(latest !== null ? { latest_repair_id: latest } : {}),
      });
      const repairId = num(field(repaired, "repair_id"));
      if (repairId === null) throw new ConnectorError({ kind: "tool_failure", message: "Databricks accepted the repair but returned no repair_id" });
      return { status: "running", ...following, state: { repair_id: repairId } };
    },
  },

  async poll(ctx, _input, handle) {
    if (!handle.externalId) throw new ConnectorError({ kind: "tool_failure", message: "no Databricks run id was recorded for this task" });
    const client = databricksClient(ctx);
    const run = await client.getRun(handle.externalId);
    // A repair not yet in the run's history: the run still shows how it ended before, which is not this attempt's end.
    const repairId = num(handle.state?.repair_id);
    if (repairId !== null && !repairIdsOf(run).includes(repairId)) return { status: "running", ...handle };
    const outcome = outcomeOf(run, handle);
    if (outcome.status === "running") return outcome;
    return withTaskOutputs(outcome, await readTaskOutputs(client, handle.externalId, run));
  },

  async cancel(ctx, _input, handle) {
    if (handle.externalId) await databricksClient(ctx).cancelRun(handle.externalId);
  },

  async test(ctx) {
    try {
      await databricksClient(ctx).listJobs();
      return { ok: true, message: `signed in to the Databricks workspace ${new URL(ctx.config.base_url).host}` };
    } catch (err) {
      return testFailure(err);
    }
  },

  async collect(ctx, input, outcome, sink) {
    if (!input.collect_cost || !outcome.externalId) return;
    const { run, tasks } = await databricksClient(ctx).getRunWithAllTasks(outcome.externalId);
    await sink.costFacts("databricks", [databricksCostFact(ctx.config.base_url, run, tasks)]);
  },

  webhook: databricksWebhook,
};
