import { describe, expect, it } from "vitest";
import { httpConnector } from "../../../worker/connectors/http/connector";
import { HttpConfig, HttpWith } from "../../../worker/connectors/http/schema";

/** Triggers an http task against a recording fetch; returns the headers of the call. */
async function triggerHeaders(withInput: Record<string, unknown>, config: Record<string, unknown> = {}, attempt = 1) {
  const seen: Headers[] = [];
  const fetcher = (async (_url: string, init: RequestInit) => {
    seen.push(new Headers(init.headers));
    return new Response(JSON.stringify({ id: "job_1" }), { status: 201 });
  }) as typeof fetch;
  await httpConnector.trigger(
    {
      config: HttpConfig.parse({ base_url: "https://jobs.example.com", ...config }),
      secrets: {},
      fetch: fetcher,
      run: { tenantId: "t", runId: "run_1", taskKey: "load", attempt, pipeline: "p", params: {} },
      callbackUrl: "https://tutti.example.com/webhooks/callback/x",
    },
    HttpWith.parse({ url: "/jobs", ...withInput }),
  );
  return seen[0];
}

describe("http connector trigger", () => {
  it("sends one Idempotency-Key per task attempt, so a repeated trigger of the same attempt starts no second job", async () => {
    expect((await triggerHeaders({})).get("idempotency-key")).toBe("tutti:run_1:load:1");
    expect((await triggerHeaders({})).get("idempotency-key")).toBe((await triggerHeaders({})).get("idempotency-key"));
    expect((await triggerHeaders({}, {}, 2)).get("idempotency-key")).toBe("tutti:run_1:load:2");
  });

  it("keeps a key the task or the connection sets itself", async () => {
    expect((await triggerHeaders({ headers: { "Idempotency-Key": "mine-{{run_id}}" } })).get("idempotency-key")).toBe("mine-run_1");
    expect((await triggerHeaders({}, { headers: { "IDEMPOTENCY-KEY": "conn" } })).get("idempotency-key")).toBe("conn");
  });
});
