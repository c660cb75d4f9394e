import { parseRetryAfter } from "../http-errors";
import { field, logUnknownState, str } from "../tool-http";
import type { TaskError } from "../types";

export type WorkflowRunState = { state: "running" } | { state: "succeeded" } | { state: "failed"; message: string } | { state: "cancelled"; message: string };

const activeStatuses = new Set(["queued", "in_progress", "waiting", "requested", "pending"]);

/**
 * A workflow run → normalised state (CONTRACTS §8, §10). Terminal iff status == completed; the conclusion says how:
 * success and neutral succeed, cancelled (someone stopped it in GitHub) ends the task cancelled, everything else
 * (failure, timed_out, startup_failure, skipped, action_required, stale, or a value GitHub adds later) fails the task
 * with the conclusion named.
 */
export function workflowRunState(run: unknown): WorkflowRunState {
  const status = str(field(run, "status"));
  if (status !== "completed") {
    if (!status || !activeStatuses.has(status)) logUnknownState("GitHub Actions", "run status", status);
    return { state: "running" };
  }
  const conclusion = str(field(run, "conclusion"));
  switch (conclusion) {
    case "success":
    case "neutral":
      return { state: "succeeded" };
    case "cancelled":
      return { state: "cancelled", message: "the workflow run was cancelled in GitHub" };
    case "action_required":
      return { state: "failed", message: "the workflow run is waiting for approval in GitHub (action_required)" };
    case "failure":
    case "timed_out":
    case "startup_failure":
    case "skipped":
    case "stale":
      return { state: "failed", message: `the workflow run ended ${conclusion}` };
    default:
      logUnknownState("GitHub Actions", "conclusion", conclusion);
      return { state: "failed", message: `the workflow run ended with conclusion ${conclusion ?? "(none)"}` };
  }
}

/**
 * GitHub's rate limits: 429, or 403 with x-ratelimit-remaining: 0 (primary) or Retry-After (secondary). The wait
 * comes from Retry-After, else from x-ratelimit-reset (epoch seconds). Null for any other response.
 */
export function gitHubRateLimit(status: number, headers: Headers, now: number): TaskError | null {
  const retryAfter = parseRetryAfter(headers.get("retry-after"));
  const exhausted = headers.get("x-ratelimit-remaining") === "0";
  if (status !== 429 && !(status === 403 && (exhausted || retryAfter !== undefined))) return null;
  const reset = Number(headers.get("x-ratelimit-reset"));
  const retryAfterMs = retryAfter ?? (Number.isFinite(reset) && reset > 0 ? Math.max(0, reset * 1000 - now) : undefined);
  return { kind: "rate_limited", message: `GitHub is rate limiting (HTTP ${status})`, ...(retryAfterMs !== undefined ? { retryAfterMs } : {}) };
}

/**
 * The branch (or tag) name GitHub reports as a run's `head_branch` for a dispatch to `ref`, which may be given as a
 * full ref: `refs/heads/main` → `main`, `refs/tags/v1.2` → `v1.2`. The runs list's `branch` filter compares against
 * `head_branch`, so searching with the full ref would find nothing.
 */
export const branchOf = (ref: string) => ref.replace(/^refs\/(?:heads|tags)\//, "");

/** `tutti:<run>:<task>:<attempt>`: the value of the correlation input, searched for in run names. */
export const correlationMarker = (run: { runId: string; taskKey: string; attempt: number }) => `tutti:${run.runId}:${run.taskKey}:${run.attempt}`;

/** GitHub's error body: `{message, documentation_url}`. */
export const gitHubErrorMessage = (json: unknown) => str(field(json, "message"));
