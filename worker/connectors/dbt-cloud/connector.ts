import type { ConnectorDefinition, ExternalHandle, TaskOutcome } from "../types";
import { field, joinUrl, num, str, testFailure } from "../tool-http";
import { ConnectorError } from "../http-errors";
import { sectionedLog } from "../../logs/format";
import { dbtRunChangedNothing } from "./no-new-data";
import { dbtCloudClient } from "./client";
import { DbtCloudConfig, DbtCloudWith } from "./schema";
import { dbtCause, dbtRunState } from "./status";
import { dbtCloudWebhook } from "./webhook";

/** Trigger-body fields passed through to dbt Cloud as they are named in the API. */
const passThrough = [
  "git_branch",
  "git_sha",
  "schema_override",
  "dbt_version_override",
  "threads_override",
  "target_name_override",
  "generate_docs_override",
  "timeout_seconds_override",
  "steps_override",
] as const;

/** Where a run's artifacts are listed (`GET …/runs/{id}/artifacts/`, with the connection's token). */
const artifactsUrl = (config: DbtCloudConfig, runId: string) => joinUrl(config.base_url, `api/v2/accounts/${config.account_id}/runs/${runId}/artifacts/`);

function outcomeOf(config: DbtCloudConfig, run: unknown, previous: ExternalHandle = {}): TaskOutcome {
  const handle: ExternalHandle = {
    externalId: str(field(run, "id")) ?? previous.externalId,
    externalUrl: str(field(run, "href")) ?? previous.externalUrl,
  };
  const s = dbtRunState(run);
  switch (s.state) {
    case "running":
      return { status: "running", ...handle };
    case "succeeded": {
      const runId = handle.externalId;
      const output = runId ? { run_id: runId, run_url: handle.externalUrl, artifacts_url: artifactsUrl(config, runId) } : undefined;
      return { status: "succeeded", output, ...handle };
    }
    case "failed":
      return { status: "failed", error: { kind: "tool_failure", message: s.message }, ...handle };
    case "cancelled":
      return { status: "cancelled", reason: s.message, ...handle };
  }
}

function runIdOf(handle: ExternalHandle): string {
  if (!handle.externalId) throw new ConnectorError({ kind: "tool_failure", message: "no dbt Cloud run id was recorded for this task" });
  return handle.externalId;
}

/** dbt Cloud jobs: trigger with cause and overrides, follow the run by status code, collect its artifacts. */
export const dbtCloudConnector: ConnectorDefinition<DbtCloudWith, DbtCloudConfig> = {
  kind: "dbt_cloud",
  title: "dbt Cloud",
  withSchema: DbtCloudWith,
  configSchema: DbtCloudConfig,
  secretFields: ["api_token"],
  optionalSecretFields: ["webhook_secret"],
  hostFields: ["base_url"],
  outputs: {
    run_id: { type: "string", description: "dbt Cloud's run id" },
    run_url: { type: "string", description: "The run's page in dbt Cloud" },
    artifacts_url: { type: "string", description: "The API URL listing the run's artifacts (needs the connection's token)" },
  },

  async trigger(ctx, input) {
    const body: Record<string, unknown> = { cause: dbtCause(ctx.run, input.cause) };
    for (const key of passThrough) if (input[key] !== undefined) body[key] = input[key];
    const run = await dbtCloudClient(ctx).triggerRun(String(input.job_id), body);
    if (!str(field(run, "id"))) throw new ConnectorError({ kind: "tool_failure", message: "dbt Cloud accepted the trigger but returned no run id" });
    return outcomeOf(ctx.config, run);
  },

  /**
   * dbt Cloud reruns a job's latest run, not a run named by id: when the job ran again since the failed run, its rerun
   * would rerun that other run, so the attempt fails instead and the next retry starts the job afresh. A resubmitted
   * rerun (an earlier delivery may have reached dbt Cloud) finding a newer run of the job follows that run rather than
   * starting a second one: dbt Cloud has no idempotency key.
   */
  rerun: {
    kind: "rerun_failed",
    async start(ctx, input, failed) {
      const client = dbtCloudClient(ctx);
      const jobId = String(input.job_id);
      const latest = await client.latestRun(jobId);
      const latestId = str(field(latest, "id"));
      if (latestId && latestId !== failed.externalId) {
        if (ctx.run.resubmission && Number(latestId) > Number(failed.externalId)) return outcomeOf(ctx.config, latest);
        throw new ConnectorError({
          kind: "tool_failure",
          message: `dbt Cloud job ${jobId} ran again (run ${latestId}) after the failed run ${failed.externalId}, so its rerun from failure would rerun that run instead; retry again to run the job afresh`,
        });
      }
      const run = await client.rerunJob(jobId);
      if (!str(field(run, "id"))) throw new ConnectorError({ kind: "tool_failure", message: "dbt Cloud accepted the rerun but returned no run id" });
      return outcomeOf(ctx.config, run);
    },
  },

  async poll(ctx, _input, handle) {
    return outcomeOf(ctx.config, await dbtCloudClient(ctx).getRun(runIdOf(handle)), handle);
  },

  async cancel(ctx, _input, handle) {
    if (!handle.externalId) return;
    await dbtCloudClient(ctx).cancelRun(handle.externalId);
  },

  async test(ctx) {
    try {
      const account = await dbtCloudClient(ctx).account();
      const name = str(field(account, "name"));
      return { ok: true, message: name ? `signed in to dbt Cloud account "${name}"` : "signed in to dbt Cloud" };
    } catch (err) {
      return testFailure(err);
    }
  },

  /**
   * After the run (success or error: a failed build still has results), stream its artifacts into the lineage store.
   * dbt Cloud can answer 404 for a while after the run completes: until the last try, a missing file means "not yet"
   * and nothing is stored; on the last try whatever exists is stored and the missing files are reported.
   */
  async collect(ctx, input, outcome, sink, { lastTry }) {
    if (!input.collect_artifacts || !outcome.externalId) return;
    const client = dbtCloudClient(ctx);
    const runResults = await client.artifact(outcome.externalId, "run_results.json", input.artifacts_step);
    const manifest = await client.artifact(outcome.externalId, "manifest.json", input.artifacts_step);
    const absent = [runResults ? null : "run_results.json", manifest ? null : "manifest.json"].filter((f): f is string => f !== null);
    const missing = absent.length ? `dbt Cloud has no ${absent.join(" or ")} for run ${outcome.externalId} (HTTP 404)` : undefined;
    if (missing && !lastTry) {
      await Promise.all([runResults?.cancel(), manifest?.cancel()]);
      return { missing };
    }
    if (!runResults && !manifest) return { missing };
    const writes = await sink.dbtArtifacts({
      project: input.project ?? ctx.config.project ?? `dbt-cloud-job-${input.job_id}`,
      environment: input.environment,
      manifest,
      runResults,
      dbtCloudRun: { runId: outcome.externalId, jobId: String(input.job_id), accountId: String(ctx.config.account_id) },
    });
    // dbt Cloud's run status says nothing about rows; run_results does, where the adapter reports rows_affected.
    return { missing, noNewData: outcome.status === "succeeded" && dbtRunChangedNothing(writes) };
  },

  /** The run's steps in order, each with the log dbt Cloud shows for it (`logs`; debug logs stay in dbt Cloud). */
  async logs(ctx, _input, outcome) {
    if (!outcome.externalId) return null;
    const steps = field(await dbtCloudClient(ctx).getRunWithSteps(outcome.externalId), "run_steps");
    if (!Array.isArray(steps) || !steps.length) return null;
    const ordered = [...steps].sort((a, b) => (num(field(a, "index")) ?? 0) - (num(field(b, "index")) ?? 0));
    return sectionedLog(
      ordered.map((step) => ({
        title: `Step ${str(field(step, "index")) ?? "?"}: ${str(field(step, "name")) ?? "(unnamed)"} (${str(field(step, "status_humanized")) ?? "unknown"})`,
        text: str(field(step, "logs")),
      })),
    );
  },

  webhook: dbtCloudWebhook,
};
