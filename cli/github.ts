import type { CreateRunRequest } from "../api/schema";
import type { CliIO } from "./io";

/** The parts of an Actions event payload the CLI reads (a pull_request event carries them all). */
interface EventPayload {
  number?: unknown;
  pull_request?: { number?: unknown; head?: { sha?: unknown } };
}

/** The Actions event payload, when the job has one to read. */
async function eventPayload(io: CliIO): Promise<EventPayload | null> {
  if (!io.env.GITHUB_EVENT_PATH) return null;
  try {
    return JSON.parse(await io.readFile(io.env.GITHUB_EVENT_PATH));
  } catch {
    return null;
  }
}

/** The pull request a GitHub Actions job runs for: from the event payload, else from refs/pull/<n>/merge. */
export async function pullRequestFromEnv(io: CliIO): Promise<{ repo: string; number: number } | null> {
  const repo = io.env.GITHUB_REPOSITORY;
  if (!repo) return null;
  const event = await eventPayload(io);
  const n = event?.pull_request?.number ?? event?.number;
  if (typeof n === "number" && Number.isInteger(n)) return { repo, number: n };
  // No readable payload: fall back to the ref.
  const m = /^refs\/pull\/(\d+)\//.exec(io.env.GITHUB_REF ?? "");
  return m ? { repo, number: Number(m[1]) } : null;
}

/**
 * Creates the PR comment, or edits the one that carries `marker` (so each push updates one comment
 * instead of adding another). Returns the comment URL.
 */
export async function upsertPrComment(io: CliIO, pr: { repo: string; number: number }, token: string, marker: string, body: string): Promise<string> {
  const api = (io.env.GITHUB_API_URL || "https://api.github.com").replace(/\/+$/, "");
  const headers = {
    authorization: `Bearer ${token}`,
    accept: "application/vnd.github+json",
    "x-github-api-version": "2022-11-28",
    "content-type": "application/json",
  };
  let existing: { id: number } | null = null;
  for (let page = 1; page <= 20 && !existing; page++) {
    const res = await io.fetch(`${api}/repos/${pr.repo}/issues/${pr.number}/comments?per_page=100&page=${page}`, { method: "GET", headers });
    if (!res.ok) throw new Error(`GitHub: listing comments answered ${res.status}`);
    const items = (await res.json()) as Array<{ id: number; body?: string }>;
    existing = items.find((c) => c.body?.includes(marker)) ?? null;
    if (items.length < 100) break;
  }
  const res = existing
    ? await io.fetch(`${api}/repos/${pr.repo}/issues/comments/${existing.id}`, { method: "PATCH", headers, body: JSON.stringify({ body }) })
    : await io.fetch(`${api}/repos/${pr.repo}/issues/${pr.number}/comments`, { method: "POST", headers, body: JSON.stringify({ body }) });
  if (!res.ok) throw new Error(`GitHub: ${existing ? "updating" : "creating"} the comment answered ${res.status}`);
  return ((await res.json()) as { html_url?: string }).html_url ?? "";
}

/**
 * What a run started from a GitHub Actions job records of it: the pull request, the commit it checks (the PR's head,
 * not the merge commit Actions checks out), the branch, and a link to the job. Undefined outside Actions.
 */
export async function ciRunContext(io: CliIO): Promise<CreateRunRequest["ci"]> {
  const env = io.env;
  if (env.GITHUB_ACTIONS !== "true") return undefined;
  const event = await eventPayload(io);
  const pr = await pullRequestFromEnv(io);
  const sha = event?.pull_request?.head?.sha ?? env.GITHUB_SHA;
  const server = (env.GITHUB_SERVER_URL || "https://github.com").replace(/\/+$/, "");
  return {
    ...(pr ? { pr_number: pr.number } : {}),
    ...(typeof sha === "string" && /^[0-9a-f]{7,64}$/i.test(sha) ? { commit_sha: sha } : {}),
    ...(env.GITHUB_HEAD_REF || env.GITHUB_REF_NAME ? { branch: env.GITHUB_HEAD_REF || env.GITHUB_REF_NAME } : {}),
    ...(env.GITHUB_REPOSITORY ? { repo: env.GITHUB_REPOSITORY } : {}),
    ...(env.GITHUB_REPOSITORY && env.GITHUB_RUN_ID ? { url: `${server}/${env.GITHUB_REPOSITORY}/actions/runs/${env.GITHUB_RUN_ID}` } : {}),
  };
}
