/**
 * Pipelines on the fake job tool (test/fakes/http-tool), as the browser tests set them up: a signed-up workspace whose
 * first team has the `tool` connection, and tasks that start a job there and follow it.
 */
import type { APIRequestContext, BrowserContext } from "playwright-core";
import { afterAll, beforeAll } from "vitest";
import { startHttpToolFake, type HttpToolFake } from "../../fakes/http-tool/server";
import { jobTask } from "../../fakes/http-tool/task";
import { signupViaApi } from "./accounts";

/** The bearer token the fake tool is started with and the `tool` connection sends. */
export const TOOL_TOKEN = "e2e-fake-tool-token";

/**
 * The fake tool for one test file: started before its tests with TOOL_TOKEN (wrangler dev runs on this machine, so
 * the Worker reaches it on 127.0.0.1) and closed after them. Read `fake.tool` inside a test.
 */
export function useToolFake(): { readonly tool: HttpToolFake } {
  let tool: HttpToolFake | undefined;
  beforeAll(async () => {
    tool = await startHttpToolFake({ token: TOOL_TOKEN });
  });
  afterAll(async () => {
    await tool?.close();
  });
  return {
    get tool() {
      if (!tool) throw new Error("the fake tool is started in beforeAll; read it inside a test");
      return tool;
    },
  };
}

/** Writes through the session cookie need the CSRF token the sign-up returned. */
export async function postJson(request: APIRequestContext, csrf: string, path: string, data: unknown) {
  const res = await request.post(path, { data, headers: { "x-csrf-token": csrf } });
  if (res.status() >= 300) throw new Error(`${path}: ${res.status()} ${await res.text()}`);
  return res.json();
}

/**
 * A task on the fake tool; `polls` > 0 makes it report "running" that many times before its outcome,
 * `job` adds to the job body (outcome, message, fail_times).
 */
export function toolTask(id: string, dependsOn: string[], polls = 0, job: Record<string, unknown> = {}, extra: Record<string, unknown> = {}) {
  return jobTask(id, { polls, ...job }, { depends_on: dependsOn, ...(polls ? { poll_interval: "1s" } : {}), ...extra });
}

/** Signs up, adds the `tool` connection to the first team, and returns what pushing needs. */
export async function setUp(context: BrowserContext, toolUrl: string) {
  const { session } = await signupViaApi(context);
  const me = await (await context.request.get("/api/v1/me")).json();
  const team = me.teams[0] as { id: string; slug: string };
  const csrf = session.csrf_token;
  await postJson(context.request, csrf, "/api/v1/connections", {
    team_id: team.id,
    name: "tool",
    kind: "http",
    config: { base_url: toolUrl },
    secrets: { bearer_token: TOOL_TOKEN },
  });
  const push = (spec: Record<string, unknown>) =>
    postJson(context.request, csrf, "/api/v1/pipelines", { spec_text: JSON.stringify(spec, null, 2), format: "json" });
  return { team, push, csrf };
}
