import { randomUUID } from "node:crypto";
import { cookieOf, signupVerified } from "../../test/e2e/helpers/mailbox";
import type { DevServer } from "./dev-server";

/** A task as the run API returns it (the fields the engine benchmarks read). */
export interface TaskRow {
  key: string;
  depends_on: string[];
  started_at: string | null;
  finished_at: string | null;
}

export type Headers = Record<string, string>;

export async function json<T>(res: Response): Promise<T> {
  const text = await res.text();
  if (!res.ok) throw new Error(`${res.status}: ${text}`);
  return JSON.parse(text) as T;
}

/** Signs up a new tenant with an `http` connection named `tool` to the fake tool; returns its request headers and team slug. */
export async function prepareTenant(server: DevServer, toolUrl: string): Promise<{ headers: Headers; team: string }> {
  const id = randomUUID().slice(0, 8);
  const signup = await signupVerified(server.url, {
    email: `bench-${id}@example.com`,
    password: "benchmark password",
    name: "Bench",
    tenant_name: `Bench ${id}`,
  });
  const session = await json<{ csrf_token: string }>(signup);
  const headers = { "content-type": "application/json", cookie: cookieOf(signup), "x-csrf-token": session.csrf_token };
  const me = await json<{ teams: Array<{ id: string; slug: string }> }>(await fetch(`${server.url}/api/v1/me`, { headers }));
  const team = me.teams[0];
  await json(
    await fetch(`${server.url}/api/v1/connections`, {
      method: "POST",
      headers,
      body: JSON.stringify({ team_id: team.id, name: "tool", kind: "http", config: { base_url: toolUrl }, secrets: {} }),
    }),
  );
  return { headers, team: team.slug };
}

/** An instant task on the fake tool (`POST /jobs`, complete on the response). */
export const instantTask = (id: string, dependsOn: string[] = []) => ({
  id,
  connector: "http",
  connection: "tool",
  with: { url: "/jobs", method: "POST", body: {} },
  ...(dependsOn.length ? { depends_on: dependsOn } : {}),
});

export async function pushPipeline(server: DevServer, headers: Headers, spec: Record<string, unknown>) {
  await json(
    await fetch(`${server.url}/api/v1/pipelines`, { method: "POST", headers, body: JSON.stringify({ spec_text: JSON.stringify(spec), format: "json" }) }),
  );
}

/**
 * A POST sent as a careful client sends it: with an Idempotency-Key, again when the answer did not come from the
 * Worker. wrangler dev's ProxyWorker (4.86) answers `503 Your worker restarted mid-request` whenever forwarding a POST
 * fails, restart or not (docs/testing.md, "A request wrangler dev leaves unanswered"); the key makes the resend safe
 * whether or not the first copy reached Tutti, and a copy still being handled answers 409 until it is done.
 */
export async function postIdempotent(url: string, headers: Headers, body: string, attempts = 5): Promise<Response> {
  const key = randomUUID();
  for (let attempt = 1; ; attempt++) {
    const res = await fetch(url, { method: "POST", headers: { ...headers, "idempotency-key": key }, body });
    const fromProxy = res.status === 503 && (await res.clone().text()).includes("restarted mid-request");
    const inProgress = res.status === 409 && (await res.clone().text()).includes("still in progress");
    if ((!fromProxy && !inProgress) || attempt === attempts) return res;
    await new Promise((resolve) => setTimeout(resolve, 200 * attempt));
  }
}

/**
 * Starts a run of `pipeline` and waits for its end. `wall` is the time from the API call to the run's own `finished_at`
 * (the benchmark and `wrangler dev` share the machine's clock, so the two compare to the millisecond); `seen` is when
 * the client learned of it, which the run API's long poll rounds up to its next read (250 ms, 750 ms, 1.75 s, then
 * every 2 s: worker/lib/long-poll.ts), so it measures the poll schedule more than the engine.
 */
export async function runToEnd(
  server: DevServer,
  headers: Headers,
  pipeline: string,
): Promise<{ runId: string; wall: number; seen: number; finishedAt: number; tasks: TaskRow[] }> {
  const startedAt = Date.now();
  const started = performance.now();
  const run = await json<{ id: string }>(await postIdempotent(`${server.url}/api/v1/pipelines/${pipeline}/runs`, headers, "{}"));
  let detail: { status: string; finished_at: string | null; tasks: Array<TaskRow & { status: string; error?: unknown }> };
  do {
    detail = await json(await fetch(`${server.url}/api/v1/runs/${run.id}?wait=30`, { headers }));
  } while (!["succeeded", "failed", "cancelled", "timed_out"].includes(detail.status));
  const seen = performance.now() - started;
  if (detail.status !== "succeeded") {
    const failed = detail.tasks.filter((t) => t.status === "failed").map((t) => `${t.key}: ${JSON.stringify(t.error ?? null)}`);
    throw new Error(`run ${run.id} of ${pipeline} ${detail.status} (${failed.join("; ") || "no task failed"})`);
  }
  const finishedAt = Date.parse(detail.finished_at!);
  return { runId: run.id, wall: finishedAt - startedAt, seen, finishedAt, tasks: detail.tasks };
}

/** Per task with dependencies: the time from the last of them finishing to its start (the engine's gap). */
export function gapsOf(tasks: TaskRow[]): number[] {
  return taskGaps(tasks).map((g) => g.gap);
}

/** The gap of each task with dependencies, with the task and the instant it became ready. */
export function taskGaps(tasks: TaskRow[]): Array<{ key: string; readyAt: number; gap: number }> {
  const byKey = new Map(tasks.map((t) => [t.key, t]));
  const gaps: Array<{ key: string; readyAt: number; gap: number }> = [];
  for (const t of tasks) {
    if (!t.depends_on.length || !t.started_at) continue;
    const ready = Math.max(...t.depends_on.map((d) => Date.parse(byKey.get(d)!.finished_at!)));
    gaps.push({ key: t.key, readyAt: ready, gap: Date.parse(t.started_at) - ready });
  }
  return gaps;
}
