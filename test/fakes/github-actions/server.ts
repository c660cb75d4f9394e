import { createHmac, randomUUID } from "node:crypto";
import { startJsonServer, type FakeServer } from "../http-server";
import { Scripts, type Reply } from "../scripting";

/**
 * GitHub REST API for Actions (CONTRACTS §8):
 *   POST /repos/{owner}/{repo}/actions/workflows/{workflow}/dispatches {ref, inputs?, return_run_details?}
 *        → 200 {workflow_run_id, run_url, html_url} with return_run_details, else 204; 404 unknown workflow; 422 undeclared inputs
 *   GET  /repos/{owner}/{repo}/actions/workflows/{workflow}/runs?event&branch&created=>=ISO&per_page&page   {total_count, workflow_runs}, Link header
 *   GET  /repos/{owner}/{repo}/actions/runs/{id}      status queued|in_progress|completed, conclusion, html_url, run_attempt …
 *   POST /repos/{owner}/{repo}/actions/runs/{id}/cancel   202; 409 once completed
 *   GET  /repos/{owner}/{repo}/actions/runs/{id}/jobs?filter=latest&per_page   {total_count, jobs[{id, run_id, name, status, conclusion, steps…}]}
 *   GET  /repos/{owner}/{repo}/actions/jobs/{job_id}/logs   302, Location: a short-lived plain-text URL on another path
 *        (/_blob/job-logs/{id}?sig=…) that refuses a request carrying Authorization, as blob storage does (CONTRACTS-2 §7)
 *   POST /repos/{owner}/{repo}/actions/runs/{id}/rerun-failed-jobs {enable_debug_logging?}   201 (CONTRACTS-2 §7): a new run_attempt of
 *        the same run re-running only its failed jobs; 403 while the run is still going
 *   GET  /__fake/reruns/{workflow}                   the re-runs asked: [{run_id, run_attempt, jobs}]
 *   GET  /repos/{owner}/{repo}, GET /rate_limit       the connection test
 *   GET  /repos/{owner}/{repo}/issues/{n}/comments?per_page&page   a pull request's comments (oldest first)
 *   POST /repos/{owner}/{repo}/issues/{n}/comments {body} → 201;  PATCH /repos/{owner}/{repo}/issues/comments/{id} {body} → 200
 * Auth: `Authorization: Bearer <token>` (or `token <token>`); X-GitHub-Api-Version 2022-11-28 or 2026-03-10.
 * Webhooks: workflow_run requested / in_progress / completed with X-GitHub-Event, X-GitHub-Delivery and
 * X-Hub-Signature-256 (sha256=, lowercase hex). A dispatch's `ref` may be a full ref (refs/heads/main, refs/tags/v1) or a
 * short name; like GitHub, runs report the short name as `head_branch`, and the runs list's `branch` filter matches
 * `head_branch` (a full ref matches nothing). Plans are keyed by workflow file:
 * {polls, outcome: "success"|"failure"|"cancelled"|…, rerun_outcome?, rerun_polls? (how a re-run of failed jobs goes), rerun_lag_reads?: n (the first
 * n reads of the run after a re-run still show the attempt that failed), inputs?: [declared names], run_name_input?: name, legacy_204?: true, exists?: false, errors: {dispatch|poll|cancel: […]}}.
 */
/** A pull request (issue) comment; the CLI's `ci impact --post-github` keeps one up to date. */
export interface IssueComment {
  id: number;
  owner: string;
  repo: string;
  issue: number;
  body: string;
}

interface Run {
  id: number;
  workflow: string;
  owner: string;
  repo: string;
  ref: string;
  inputs: Record<string, string>;
  displayTitle: string;
  status: "queued" | "in_progress" | "completed";
  /** The run's attempt (1, +1 per re-run), and the attempt each job last ran in (a re-run keeps passed jobs). */
  attempt: number;
  jobAttempts: Record<string, number>;
  /** Reads left that answer `staleView`, the run before its latest re-run (plan.rerun_lag_reads). */
  lagReads?: number;
  staleView?: unknown;
  conclusion: string | null;
  pollsLeft: number;
  outcome: string;
  createdAt: string;
  startedAt: string;
  updatedAt: string;
}

export interface GitHubActionsFakeOptions {
  token: string;
  webhookSecret: string;
  port?: number;
  autoAdvanceMs?: number;
}

export interface GitHubActionsFake extends FakeServer {
  runs: Map<number, Run>;
  comments: IssueComment[];
}

const API_VERSIONS = new Set(["2022-11-28", "2026-03-10"]);
/**
 * What GitHub reports as a workflow_dispatch run's `head_branch`: the branch or tag name, never the full ref
 * (`refs/heads/main` → `main`; see head_branch in https://docs.github.com/en/rest/actions/workflow-runs).
 */
const headBranch = (ref: string) => ref.replace(/^refs\/(heads|tags)\//, "");
const fail = (status: number, message: string, extra: Record<string, string> = {}): Reply => ({
  status,
  body: { message, documentation_url: "https://docs.github.com/rest", status: String(status) },
  headers: extra,
});

export async function startGitHubActionsFake(options: GitHubActionsFakeOptions): Promise<GitHubActionsFake> {
  const runs = new Map<number, Run>();
  const scripts = new Scripts("GitHub");
  let nextRun = 289_782_451;
  const comments: IssueComment[] = [];
  let nextComment = 1_700_000_000;
  const reruns: Array<{ workflow: string; run_id: number; run_attempt: number; jobs: string[] }> = [];
  let baseUrl = "";

  /** Two jobs per run, `build` then `test`; `test` carries the run's conclusion, `build` succeeds. */
  function jobs(r: Run) {
    return ["build", "test"].map((name, i) => {
      const started = r.status !== "queued" && (i === 0 || r.status === "completed");
      const status = r.status === "completed" ? "completed" : started ? "in_progress" : "queued";
      const conclusion = r.status === "completed" ? (i === 0 && r.conclusion !== "cancelled" ? "success" : r.conclusion) : null;
      return {
        id: r.id * 10 + i + 1,
        run_id: r.id,
        run_attempt: r.jobAttempts[name] ?? 1,
        name,
        status,
        conclusion,
        html_url: `${htmlUrl(r)}/job/${r.id * 10 + i + 1}`,
        started_at: started ? r.startedAt : null,
        completed_at: status === "completed" ? r.updatedAt : null,
        steps: [{ name: "Run dbt", status, conclusion, number: 1, started_at: r.startedAt, completed_at: null }],
      };
    });
  }

  function jobLog(r: Run, jobId: number) {
    const job = jobs(r).find((j) => j.id === jobId)!;
    const at = r.startedAt.replace("Z", "0000Z");
    const lines = [
      `${at} Requested labels: ubuntu-latest`,
      `${at} ##[group]Run ${job.name === "build" ? "dbt build --target ci" : "dbt test --target ci"}`,
      ...(scripts.plan(r.workflow).echo_token ? [`${at} GITHUB_TOKEN: ${options.token}`] : []),
      `${at} 1 of 3 OK created sql view model analytics.stg_orders`,
      ...(job.conclusion === "failure" ? [`${at} ##[error]Process completed with exit code 1.`] : job.conclusion ? [`${at} Cleaning up orphan processes`] : []),
    ];
    return `${lines.join("\n")}\n`;
  }

  const htmlUrl = (r: Run) => `${baseUrl}/${r.owner}/${r.repo}/actions/runs/${r.id}`;
  function view(r: Run) {
    return {
      id: r.id,
      name: r.workflow.replace(/\.ya?ml$/, ""),
      display_title: r.displayTitle,
      node_id: `WFR_${r.id}`,
      head_branch: headBranch(r.ref),
      head_sha: "3484a3fb816e0859fd6e1cea078d76385ff50625",
      path: `.github/workflows/${r.workflow}`,
      run_number: r.id % 1000,
      run_attempt: r.attempt,
      event: "workflow_dispatch",
      status: r.status,
      conclusion: r.conclusion,
      workflow_id: 2_823_525,
      url: `${baseUrl}/repos/${r.owner}/${r.repo}/actions/runs/${r.id}`,
      html_url: htmlUrl(r),
      created_at: r.createdAt,
      updated_at: r.updatedAt,
      run_started_at: r.startedAt,
    };
  }

  function webhook(r: Run, action: "requested" | "in_progress" | "completed") {
    const body = JSON.stringify({
      action,
      workflow_run: view(r),
      workflow: { id: 2_823_525, name: r.workflow.replace(/\.ya?ml$/, ""), path: `.github/workflows/${r.workflow}`, state: "active" },
      repository: { id: 186_853_002, name: r.repo, full_name: `${r.owner}/${r.repo}`, private: true },
      sender: { login: "tutti-bot", id: 21_031_067, type: "Bot" },
    });
    const signature = `sha256=${createHmac("sha256", options.webhookSecret).update(body).digest("hex")}`;
    scripts.emit(r.workflow, {
      event: `workflow_run.${action}`,
      headers: {
        "content-type": "application/json",
        "user-agent": "GitHub-Hookshot/fake",
        "x-github-event": "workflow_run",
        "x-github-delivery": randomUUID(),
        "x-hub-signature-256": signature,
      },
      body,
    });
  }

  function finish(r: Run, conclusion: string) {
    if (r.status === "completed") return;
    r.status = "completed";
    r.conclusion = conclusion;
    r.updatedAt = new Date().toISOString();
    webhook(r, "completed");
  }

  function advance(r: Run) {
    if (r.status === "completed") return;
    if (r.pollsLeft > 0) {
      r.pollsLeft -= 1;
      if (r.status === "queued") {
        r.status = "in_progress";
        r.startedAt = new Date().toISOString();
        webhook(r, "in_progress");
      }
    } else finish(r, r.outcome);
  }

  scripts.onComplete = (key, outcome) => {
    const r = [...runs.values()].filter((x) => x.workflow === key).pop();
    if (!r) return false;
    finish(r, outcome ?? r.outcome);
    return true;
  };

  const server = await startJsonServer(async (req, url) => {
    const parts = url.pathname.split("/").filter(Boolean);
    if (req.method === "GET" && parts[0] === "__fake" && parts[1] === "reruns")
      return { status: 200, body: reruns.filter((r) => r.workflow === decodeURIComponent(parts[2])) };
    const control = scripts.control(req, url);
    if (control) return control;
    if (parts[0] === "_blob" && parts[1] === "job-logs") {
      if (req.headers.authorization)
        return { status: 400, raw: "AuthenticationFailed: signed URLs take no Authorization header", headers: { "content-type": "text/plain" } };
      const jobId = Number(parts[2]);
      const run = runs.get(Math.floor(jobId / 10));
      const sig = url.searchParams.get("sig") ?? "";
      if (!run || !sig.startsWith(`${jobId}.`)) return { status: 403, raw: "AuthorizationFailure", headers: { "content-type": "text/plain" } };
      return { status: 200, raw: jobLog(run, jobId), headers: { "content-type": "text/plain" } };
    }
    if (parts[2] === "actions" && parts[3] === "runs" && parts[0] !== "repos") {
      return {
        status: 200,
        raw: `<!doctype html><title>Run ${parts[4]}</title><h1>GitHub Actions (fake) ${parts[0]}/${parts[1]} run ${parts[4]}</h1>`,
        headers: { "content-type": "text/html" },
      };
    }
    const auth = req.headers.authorization;
    if (auth !== `Bearer ${options.token}` && auth !== `token ${options.token}`) return fail(401, "Bad credentials");
    const version = req.headers["x-github-api-version"];
    if (typeof version === "string" && !API_VERSIONS.has(version)) return fail(400, `API version ${version} is not supported.`);
    if (req.method === "GET" && url.pathname === "/rate_limit") {
      const core = { limit: 5000, used: 1, remaining: 4999, reset: Math.floor(Date.now() / 1000) + 3600 };
      return { status: 200, body: { resources: { core }, rate: core } };
    }
    if (parts[0] !== "repos" || parts.length < 3) return fail(404, "Not Found");
    const [owner, repo] = [parts[1], parts[2]];
    if (parts.length === 3 && req.method === "GET") return { status: 200, body: { id: 186_853_002, name: repo, full_name: `${owner}/${repo}`, private: true } };
    const rest = parts.slice(3);

    if (rest[0] === "actions" && rest[1] === "workflows" && rest[2]) {
      const workflow = decodeURIComponent(rest[2]);
      const plan = scripts.plan(workflow);
      if (plan.exists === false) return fail(404, "Not Found");
      if (req.method === "POST" && rest[3] === "dispatches") {
        const scripted = scripts.takeError(workflow, "dispatch");
        if (scripted) return scripted;
        const body = JSON.parse(req.body || "{}") as { ref?: string; inputs?: Record<string, unknown>; return_run_details?: boolean };
        if (!body.ref) return fail(422, 'Invalid request.\n\n"ref" wasn\'t supplied.');
        const declared = Array.isArray(plan.inputs) ? (plan.inputs as string[]) : null;
        const inputs = body.inputs ?? {};
        const unexpected = declared ? Object.keys(inputs).filter((k) => !declared.includes(k)) : [];
        if (unexpected.length) return fail(422, `Unexpected inputs provided: ${JSON.stringify(unexpected)}`);
        const nonString = Object.entries(inputs).filter(([, v]) => typeof v !== "string");
        if (nonString.length) return fail(422, `Invalid value for input '${nonString[0][0]}': inputs are strings`);
        const now = new Date().toISOString();
        const runNameInput = typeof plan.run_name_input === "string" ? plan.run_name_input : null;
        const run: Run = {
          id: ++nextRun,
          workflow,
          owner,
          repo,
          ref: body.ref,
          inputs: inputs as Record<string, string>,
          displayTitle: runNameInput && typeof inputs[runNameInput] === "string" ? (inputs[runNameInput] as string) : workflow.replace(/\.ya?ml$/, ""),
          status: "queued",
          attempt: 1,
          jobAttempts: { build: 1, test: 1 },
          conclusion: null,
          pollsLeft: Number(plan.polls ?? 0),
          outcome: typeof plan.outcome === "string" ? plan.outcome : "success",
          createdAt: now,
          startedAt: now,
          updatedAt: now,
        };
        runs.set(run.id, run);
        webhook(run, "requested");
        if (options.autoAdvanceMs) {
          const timer = setInterval(() => (run.status === "completed" ? clearInterval(timer) : advance(run)), options.autoAdvanceMs);
          timer.unref();
        }
        await scripts.gate(workflow, "dispatch");
        if (body.return_run_details && plan.legacy_204 !== true) {
          return {
            status: 200,
            body: { workflow_run_id: run.id, run_url: `${baseUrl}/repos/${owner}/${repo}/actions/runs/${run.id}`, html_url: htmlUrl(run) },
          };
        }
        return { status: 204 };
      }
      if (req.method === "GET" && rest[3] === "runs") {
        const perPage = Math.min(Number(url.searchParams.get("per_page") ?? 30), 100);
        const page = Math.max(1, Number(url.searchParams.get("page") ?? 1));
        const created = url.searchParams.get("created");
        const since = created?.startsWith(">=") ? Date.parse(created.slice(2)) : null;
        const event = url.searchParams.get("event");
        const branch = url.searchParams.get("branch");
        const all = [...runs.values()]
          .filter(
            (r) =>
              r.workflow === workflow &&
              r.owner === owner &&
              r.repo === repo &&
              (!branch || headBranch(r.ref) === branch) &&
              (!event || event === "workflow_dispatch") &&
              (since === null || Date.parse(r.createdAt) >= since),
          )
          .sort((a, b) => b.id - a.id);
        const slice = all.slice((page - 1) * perPage, page * perPage);
        const links: Record<string, string> =
          page * perPage < all.length
            ? { link: `<${baseUrl}${url.pathname}?${new URLSearchParams({ ...Object.fromEntries(url.searchParams), page: String(page + 1) })}>; rel="next"` }
            : {};
        return { status: 200, body: { total_count: all.length, workflow_runs: slice.map(view) }, headers: links };
      }
    }

    if (rest[0] === "issues") {
      const issueComment = (c: IssueComment) => ({
        id: c.id,
        body: c.body,
        html_url: `https://github.com/${owner}/${repo}/pull/${c.issue}#issuecomment-${c.id}`,
        user: { login: "tutti-bot" },
      });
      const body = () => JSON.parse(req.body || "{}") as { body?: unknown };
      if (rest[1] === "comments" && rest[2] && req.method === "PATCH") {
        const comment = comments.find((c) => c.id === Number(rest[2]) && c.owner === owner && c.repo === repo);
        if (!comment) return fail(404, "Not Found");
        const text = body().body;
        if (typeof text !== "string") return fail(422, 'Invalid request.\n\n"body" wasn\'t supplied.');
        comment.body = text;
        return { status: 200, body: issueComment(comment) };
      }
      const issue = Number(rest[1]);
      if (Number.isInteger(issue) && rest[2] === "comments") {
        if (req.method === "GET") {
          const perPage = Math.min(Number(url.searchParams.get("per_page") ?? 30), 100);
          const page = Math.max(1, Number(url.searchParams.get("page") ?? 1));
          const all = comments.filter((c) => c.owner === owner && c.repo === repo && c.issue === issue);
          return { status: 200, body: all.slice((page - 1) * perPage, page * perPage).map(issueComment) };
        }
        if (req.method === "POST") {
          const text = body().body;
          if (typeof text !== "string") return fail(422, 'Invalid request.\n\n"body" wasn\'t supplied.');
          const comment: IssueComment = { id: ++nextComment, owner, repo, issue, body: text };
          comments.push(comment);
          return { status: 201, body: issueComment(comment) };
        }
      }
    }

    if (req.method === "GET" && rest[0] === "actions" && rest[1] === "jobs" && rest[3] === "logs") {
      const jobId = Number(rest[2]);
      const run = runs.get(Math.floor(jobId / 10));
      if (!run || run.owner !== owner || run.repo !== repo || !jobs(run).some((j) => j.id === jobId)) return fail(404, "Not Found");
      // The signature stands for the SAS token GitHub's storage URLs carry.
      const sig = `${jobId}.${createHmac("sha256", options.webhookSecret).update(String(jobId)).digest("hex").slice(0, 16)}`;
      return { status: 302, headers: { location: `${baseUrl}/_blob/job-logs/${jobId}?sig=${encodeURIComponent(sig)}` } };
    }
    if (rest[0] === "actions" && rest[1] === "runs" && rest[2]) {
      const run = runs.get(Number(rest[2]));
      if (!run || run.owner !== owner || run.repo !== repo) return fail(404, "Not Found");
      if (req.method === "GET" && rest[3] === "jobs") {
        const list = jobs(run);
        return { status: 200, body: { total_count: list.length, jobs: list } };
      }
      if (req.method === "GET" && rest.length === 3) {
        const scripted = scripts.takeError(run.workflow, "poll");
        if (scripted) return scripted;
        if (run.lagReads) {
          run.lagReads -= 1;
          return { status: 200, body: run.staleView };
        }
        if (!options.autoAdvanceMs) advance(run);
        return { status: 200, body: view(run) };
      }
      if (req.method === "POST" && rest[3] === "rerun-failed-jobs") {
        const scripted = scripts.takeError(run.workflow, "rerun");
        if (scripted) return scripted;
        if (run.status !== "completed") return fail(403, "This workflow is already running");
        const failed = jobs(run)
          .filter((j) => j.conclusion !== "success" && j.conclusion !== "skipped")
          .map((j) => j.name);
        if (!failed.length) return fail(403, "This workflow run has no failed jobs to re-run");
        const plan = scripts.plan(run.workflow);
        run.lagReads = Number(plan.rerun_lag_reads ?? 0);
        run.staleView = view(run);
        run.attempt += 1;
        for (const name of failed) run.jobAttempts[name] = run.attempt;
        run.status = "queued";
        run.conclusion = null;
        run.pollsLeft = Number(plan.rerun_polls ?? plan.polls ?? 0);
        run.outcome = typeof plan.rerun_outcome === "string" ? plan.rerun_outcome : "success";
        run.updatedAt = new Date().toISOString();
        reruns.push({ workflow: run.workflow, run_id: run.id, run_attempt: run.attempt, jobs: failed });
        webhook(run, "requested");
        return { status: 201, body: {} };
      }
      if (req.method === "POST" && rest[3] === "cancel") {
        const scripted = scripts.takeError(run.workflow, "cancel");
        if (scripted) return scripted;
        if (run.status === "completed") return fail(409, "Cannot cancel a workflow run that is completed.");
        finish(run, "cancelled");
        return { status: 202, body: {} };
      }
    }
    return fail(404, "Not Found");
  }, options.port);
  baseUrl = server.url;
  return { ...server, runs, comments };
}
