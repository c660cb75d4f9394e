import { ConnectorError } from "../http-errors";
import { sectionedLog } from "../../logs/format";
import { render } from "../template";
import { epochMs, field, num, str, testFailure } from "../tool-http";
import type { ConnectorContext, ConnectorDefinition, ExternalHandle, TaskOutcome } from "../types";
import { gitHubClient, type RepoRef } from "./client";
import { GitHubActionsConfig, GitHubActionsWith } from "./schema";
import { branchOf, correlationMarker, workflowRunState } from "./status";
import { gitHubWebhook } from "./webhook";

/** How far before the dispatch a run may be stamped and still count as ours (clock skew between Tutti and GitHub). */
const CREATED_SKEW_MS = 60_000;

interface DispatchState {
  dispatched_at: number;
  marker: string;
}

function repoOf(config: GitHubActionsConfig, input: GitHubActionsWith): RepoRef {
  const owner = input.owner ?? config.owner;
  const repo = input.repo ?? config.repo;
  if (!owner || !repo)
    throw new ConnectorError({ kind: "invalid_config", message: "name the repository: `owner` and `repo` in the task's `with` or the connection config" });
  return { owner, repo };
}

function inputsOf(ctx: ConnectorContext<GitHubActionsConfig>, input: GitHubActionsWith): Record<string, string> {
  const vars = { run_id: ctx.run.runId, task_id: ctx.run.taskKey, attempt: ctx.run.attempt, pipeline: ctx.run.pipeline, params: ctx.run.params };
  // Workflow inputs travel as strings whatever their declared type.
  const out = Object.fromEntries(Object.entries(input.inputs ?? {}).map(([k, v]) => [k, typeof v === "string" ? render(v, vars) : String(v)]));
  if (input.correlation_input) out[input.correlation_input] = correlationMarker(ctx.run);
  return out;
}

/**
 * The run a dispatch started, when GitHub did not say: with a correlation input, the run whose name carries the
 * marker; otherwise the oldest workflow_dispatch run on the ref created since the dispatch (first come, first served).
 */
function pickRun(runs: unknown[], state: DispatchState, correlated: boolean): unknown | undefined {
  if (correlated) return runs.find((r) => [field(r, "display_title"), field(r, "name")].some((t) => typeof t === "string" && t.includes(state.marker)));
  const since = state.dispatched_at - CREATED_SKEW_MS;
  return [...runs]
    .filter((r) => (epochMs(field(r, "created_at")) ?? 0) >= since)
    .sort((a, b) => (epochMs(field(a, "created_at")) ?? 0) - (epochMs(field(b, "created_at")) ?? 0))[0];
}

function outcomeOf(run: unknown, handle: ExternalHandle): TaskOutcome {
  const next: ExternalHandle = {
    ...handle,
    externalId: str(field(run, "id")) ?? handle.externalId,
    externalUrl: str(field(run, "html_url")) ?? handle.externalUrl,
  };
  const s = workflowRunState(run);
  switch (s.state) {
    case "running":
      return { status: "running", ...next };
    case "succeeded":
      return { status: "succeeded", ...next, output: { run_id: next.externalId, run_url: next.externalUrl } };
    case "failed": {
      // The run attempt that failed: a rerun of its failed jobs follows the attempt after it.
      const attempt = num(field(run, "run_attempt"));
      const state = attempt !== null ? { ...next.state, run_attempt: attempt } : next.state;
      return { status: "failed", error: { kind: "tool_failure", message: s.message }, ...next, state };
    }
    case "cancelled":
      return { status: "cancelled", reason: s.message, ...next };
  }
}

/** GitHub Actions: dispatch a workflow with inputs, find its run, follow status and conclusion, cancel it. */
export const gitHubActionsConnector: ConnectorDefinition<GitHubActionsWith, GitHubActionsConfig> = {
  kind: "github_actions",
  title: "GitHub Actions",
  withSchema: GitHubActionsWith,
  configSchema: GitHubActionsConfig,
  secretFields: ["token"],
  optionalSecretFields: ["webhook_secret"],
  hostFields: ["base_url"],
  outputs: {
    run_id: { type: "string", description: "The workflow run's id" },
    run_url: { type: "string", description: "The workflow run's page on GitHub (`html_url`)" },
  },

  async trigger(ctx, input) {
    const repo = repoOf(ctx.config, input);
    const client = gitHubClient(ctx);
    const workflow = String(input.workflow);
    const state: DispatchState = { dispatched_at: Date.now(), marker: correlationMarker(ctx.run) };
    const details = await client.dispatch(repo, workflow, { ref: input.ref, inputs: inputsOf(ctx, input), return_run_details: true });
    const runId = str(field(details, "workflow_run_id"));
    if (runId) return { status: "running", externalId: runId, externalUrl: str(field(details, "html_url")) ?? undefined, state: { ...state } };
    // 204 without details: the run appears in the list a moment later; each poll looks until it is there.
    const found = pickRun(
      await client.recentDispatchRuns(repo, workflow, branchOf(input.ref), new Date(state.dispatched_at - CREATED_SKEW_MS).toISOString()),
      state,
      !!input.correlation_input,
    );
    return found ? outcomeOf(found, { state: { ...state } }) : { status: "running", state: { ...state } };
  },

  /**
   * Re-runs the failed jobs of the failed workflow run: GitHub starts a new `run_attempt` of the same run, keeping the
   * jobs that passed; polls follow that attempt. A resubmitted rerun finding the run already past the attempt that failed
   * follows that attempt instead of asking again.
   */
  rerun: {
    kind: "rerun_failed",
    async start(ctx, input, failed) {
      if (!failed.externalId) throw new ConnectorError({ kind: "tool_failure", message: "no GitHub workflow run id was recorded for the failed attempt" });
      const repo = repoOf(ctx.config, input);
      const client = gitHubClient(ctx);
      const run = await client.getRun(repo, failed.externalId);
      const current = num(field(run, "run_attempt")) ?? 1;
      const failedAttempt = num(failed.state?.run_attempt) ?? current;
      const following = { externalId: failed.externalId, externalUrl: str(field(run, "html_url")) ?? failed.externalUrl };
      if (ctx.run.resubmission && current > failedAttempt) return { status: "running", ...following, state: { run_attempt: current } };
      await client.rerunFailedJobs(repo, failed.externalId);
      return { status: "running", ...following, state: { run_attempt: current + 1 } };
    },
  },

  async poll(ctx, input, handle) {
    const repo = repoOf(ctx.config, input);
    const client = gitHubClient(ctx);
    if (!handle.externalId) {
      const state = handle.state as unknown as DispatchState;
      const runs = await client.recentDispatchRuns(
        repo,
        String(input.workflow),
        branchOf(input.ref),
        new Date(state.dispatched_at - CREATED_SKEW_MS).toISOString(),
      );
      const found = pickRun(runs, state, !!input.correlation_input);
      return found ? outcomeOf(found, handle) : { status: "running", ...handle };
    }
    const run = await client.getRun(repo, handle.externalId);
    // A rerun's attempt not visible yet: the run still shows the attempt that failed, which is not this task attempt's end.
    const following = num(handle.state?.run_attempt);
    if (following !== null && (num(field(run, "run_attempt")) ?? 1) < following) return { status: "running", ...handle };
    return outcomeOf(run, handle);
  },

  async cancel(ctx, input, handle) {
    if (handle.externalId) await gitHubClient(ctx).cancelRun(repoOf(ctx.config, input), handle.externalId);
  },

  async test(ctx) {
    try {
      const client = gitHubClient(ctx);
      if (ctx.config.owner && ctx.config.repo) {
        const repo = await client.repository({ owner: ctx.config.owner, repo: ctx.config.repo });
        return { ok: true, message: `the token can see ${str(field(repo, "full_name")) ?? `${ctx.config.owner}/${ctx.config.repo}`}` };
      }
      await client.rateLimit();
      return { ok: true, message: "GitHub accepted the token" };
    } catch (err) {
      return testFailure(err);
    }
  },

  /** Each job of the run's latest attempt with its plain-text log; jobs GitHub has no log for (yet) are named without one. */
  async logs(ctx, input, outcome) {
    if (!outcome.externalId) return null;
    const client = gitHubClient(ctx);
    const ref = repoOf(ctx.config, input);
    const jobs = await client.listJobs(ref, outcome.externalId);
    if (!jobs.length) return null;
    const sections = [];
    for (const job of jobs) {
      const id = str(field(job, "id"));
      const state = str(field(job, "conclusion")) ?? str(field(job, "status")) ?? "unknown";
      const text = id ? await client.jobLog(ref, id) : null;
      sections.push({ title: `Job ${str(field(job, "name")) ?? id ?? "?"} (${state})`, text: text ?? "(GitHub has no log for this job yet)" });
    }
    return sectionedLog(sections);
  },

  webhook: gitHubWebhook,
};
