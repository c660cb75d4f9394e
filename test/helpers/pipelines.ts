import { inject } from "vitest";
import type { RecordedRequest } from "../fakes/http-server";
import { jobTask } from "../fakes/http-tool/task";
import { api, type Session } from "./api";

/** A connection named `tool` of kind http pointing at the fake tool server, in the session's first team. */
export async function createToolConnection(s: Session, teamId: string, name = "tool") {
  const res = await api("/connections", {
    as: s,
    body: { team_id: teamId, name, kind: "http", config: { base_url: inject("fakeHttpToolUrl") }, secrets: { bearer_token: "fake-tool-token" } },
  });
  if (res.status !== 201) throw new Error(`connection: ${res.status} ${res.text}`);
  return res.json;
}

/** Every request the generic HTTP tool fake has received (from all tests sharing it: filter by run id). */
export async function fakeToolRequests(): Promise<RecordedRequest[]> {
  return (await (await fetch(`${inject("fakeHttpToolUrl")}/__requests`)).json()) as RecordedRequest[];
}

export async function pushPipeline(as: Session | string, spec: Record<string, unknown>) {
  const res = await api("/pipelines", { as, body: { spec_text: JSON.stringify(spec), format: "json" } });
  if (res.status !== 200 && res.status !== 201) throw new Error(`push ${String(spec.name)}: ${res.status} ${res.text}`);
  return res.json;
}

/** A task on the fake tool: `job` is the job body (polls, outcome, fail_times, key, no_new_data). */
export const toolTask = (id: string, job: Record<string, unknown> = {}, extra: Record<string, unknown> = {}) => jobTask(id, job, extra);

export async function setupTenant() {
  const { signup } = await import("./api");
  const s = await signup();
  const me = await api("/me", { as: s });
  const team = me.json.teams[0] as { id: string; slug: string };
  await createToolConnection(s, team.id);
  return { s, team };
}
