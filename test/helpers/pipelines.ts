import { inject } from "vitest";
import type { RecordedRequest } from "../fakes/http-server";
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
export function toolTask(id: string, job: Record<string, unknown> = {}, extra: Record<string, unknown> = {}) {
  const polls = Number(job.polls ?? 0);
  return {
    id,
    connector: "http",
    connection: "tool",
    with: {
      url: "/jobs",
      method: "POST",
      body: { key: `{{run_id}}-${id}`, ...job },
      external_id_path: "$.id",
      external_url_path: "$.url",
      cancel: { url: "/jobs/{{external_id}}/cancel" },
      ...(polls > 0 || job.outcome === "failed"
        ? {
            completion: {
              mode: "poll",
              status_url: "/jobs/{{external_id}}",
              success: { path: "$.status", equals: "succeeded" },
              failure: { path: "$.status", in: ["failed", "cancelled"] },
              message_path: "$.message",
            },
          }
        : {}),
      ...(job.no_new_data ? { no_new_data: { path: "$.no_new_data", equals: true } } : {}),
    },
    ...extra,
  };
}

export async function setupTenant() {
  const { signup } = await import("./api");
  const s = await signup();
  const me = await api("/me", { as: s });
  const team = me.json.teams[0] as { id: string; slug: string };
  await createToolConnection(s, team.id);
  return { s, team };
}
