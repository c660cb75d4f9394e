import type { CliIO } from "./io";

/** The pull request a GitHub Actions job runs for: from the event payload, else from refs/pull/<n>/merge. */
export async function pullRequestFromEnv(io: CliIO): Promise<{ repo: string; number: number } | null> {
  const repo = io.env.GITHUB_REPOSITORY;
  if (!repo) return null;
  if (io.env.GITHUB_EVENT_PATH) {
    try {
      const event = JSON.parse(await io.readFile(io.env.GITHUB_EVENT_PATH));
      const n = event?.pull_request?.number ?? event?.number;
      if (Number.isInteger(n)) return { repo, number: n };
    } catch {
      // No readable payload: fall back to the ref.
    }
  }
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
