import { describe, expect, inject, it } from "vitest";
import { httpConnector } from "../../../worker/connectors/http/connector";
import { HttpConfig, HttpWith } from "../../../worker/connectors/http/schema";
import type { ConnectorContext } from "../../../worker/connectors/types";
import { api, expectError } from "../../helpers/api";
import { isTerminal, waitForRun } from "../../helpers/engine";
import { pushPipeline, setupTenant } from "../../helpers/pipelines";

/**
 * The http connector's credentials go only to its connection's origin (base_url): not to another origin a task
 * names, a tool's response points at, or a redirect leads to; and what a server echoes back never brings them
 * into a run error or a connection test result.
 */

const TOKEN = "fake-tool-token";
const tool = () => inject("fakeHttpToolUrl");
/** The same fake server under another origin (another host name): a stand-in for an attacker's server. */
const elsewhere = () => tool().replace("127.0.0.1", "localhost");

const ctx = (): Omit<ConnectorContext<HttpConfig>, "callbackUrl"> & { callbackUrl: string } => ({
  config: HttpConfig.parse({ base_url: tool() }),
  secrets: { bearer_token: TOKEN },
  fetch: (input, init) => fetch(input, init),
  run: { tenantId: "t", runId: "run_x", taskKey: "task", attempt: 1, pipeline: "p", params: {} },
  callbackUrl: "",
});

/** Requests the fake received under `origin` whose path contains `marker`, with the headers that came with them. */
async function received(origin: string, marker: string) {
  const all = (await (await fetch(`${tool()}/__requests`)).json()) as Array<{ path: string; headers: Record<string, string> }>;
  return all.filter((r) => r.headers.host === new URL(origin).host && r.path.includes(marker));
}

describe("http connector: the connection's credentials stay on its origin", () => {
  it("a task URL on another origin is refused at push, naming the field; paths and same-origin URLs are accepted", async () => {
    const { s, team } = await setupTenant();
    const success = { path: "$.status", equals: "succeeded" };
    const res = await api("/pipelines", {
      as: s,
      body: {
        format: "json",
        spec_text: JSON.stringify({
          name: "leaky",
          team: team.slug,
          tasks: [
            { id: "a", connector: "http", connection: "tool", with: { url: "https://evil.example.com/steal" } },
            {
              id: "b",
              connector: "http",
              connection: "tool",
              // A template right after the port could still change the host (`…:8790.evil.net`).
              with: {
                url: "/jobs",
                completion: { mode: "poll", status_url: `${elsewhere()}/jobs/{{external_id}}`, success },
                cancel: { url: `${tool()}{{params.rest}}` },
              },
            },
          ],
        }),
      },
    });
    expectError(res, 400, "validation_failed");
    expect(res.json.error.details.map((d: { path: string }) => d.path)).toEqual([
      "tasks[0].with.url",
      "tasks[1].with.completion.status_url",
      "tasks[1].with.cancel.url",
    ]);
    expect(res.json.error.details[0].message).toContain(new URL(tool()).origin);

    await pushPipeline(s, {
      name: "contained",
      team: team.slug,
      tasks: [
        {
          id: "a",
          connector: "http",
          connection: "tool",
          with: {
            url: `${tool()}/jobs`,
            completion: { mode: "poll", status_url: "/jobs/{{external_id}}", success },
            cancel: { url: `${tool()}/jobs/{{external_id}}/cancel` },
          },
        },
      ],
    });
  });

  it("a poll URL from the tool's response that leads to another origin is refused and never gets the credentials", async () => {
    const marker = `poll-${crypto.randomUUID()}`;
    const input = HttpWith.parse({
      url: "/jobs",
      completion: { mode: "poll", status_url: "{{response.next}}", success: { path: "$.status", equals: "succeeded" } },
    });
    const handle = { externalId: "job_1", state: { trigger_response: { next: `${elsewhere()}/jobs/${marker}` } } };
    await expect(httpConnector.poll(ctx(), input, handle)).rejects.toMatchObject({
      error: { kind: "invalid_config", message: expect.stringContaining("go only to its own origin") },
    });
    expect(await received(elsewhere(), marker)).toEqual([]);
  });

  it("a redirect to another origin is not followed; a redirect on the same origin is, with the credentials", async () => {
    const marker = `redirect-${crypto.randomUUID()}`;
    const away = HttpWith.parse({ url: `/redirect?to=${encodeURIComponent(`${elsewhere()}/echo/200?${marker}`)}`, method: "GET" });
    await expect(httpConnector.trigger(ctx(), away)).rejects.toMatchObject({
      error: { kind: "invalid_config", message: expect.stringContaining("redirected to another origin") },
    });
    expect(await received(elsewhere(), marker)).toEqual([]);

    // /health answers 200 only with the token: the second hop carried it.
    const home = HttpWith.parse({ url: `/redirect?status=307&to=${encodeURIComponent("/health")}`, method: "GET" });
    expect(await httpConnector.trigger(ctx(), home)).toMatchObject({ status: "succeeded", output: { status_code: 200 } });
  });

  it("a connection without a base_url sends no credentials, wherever the task points", async () => {
    const marker = `nobase-${crypto.randomUUID()}`;
    const noOrigin = { ...ctx(), config: HttpConfig.parse({}) };
    const outcome = await httpConnector.trigger(noOrigin, HttpWith.parse({ url: `${tool()}/echo/200?${marker}`, method: "GET" }));
    expect(outcome.status).toBe("succeeded");
    const [request] = await received(tool(), marker);
    expect(request.headers.authorization).toBeUndefined();
  });

  it("a tool link that is not http(s) is not kept", async () => {
    const input = HttpWith.parse({ url: "/echo/200", method: "GET", external_url_path: "$.error" });
    // The fake's echo body has `error: "request refused"`: not a URL, so there is no link.
    expect((await httpConnector.trigger(ctx(), input)).externalUrl).toBeUndefined();
  });
});

describe("remote error text never carries the credentials Tutti sent", () => {
  it("a run error quoting a server that echoes the request headers has the token taken out and is cut short", async () => {
    const { s, team } = await setupTenant();
    await pushPipeline(s, {
      name: "echoed",
      team: team.slug,
      tasks: [{ id: "call", connector: "http", connection: "tool", with: { url: "/echo/500", body: { pad: "x".repeat(2000) } } }],
    });
    const run = (await api("/pipelines/echoed/runs", { as: s, body: {} })).json;
    const done = await waitForRun(s, run.id, isTerminal);
    const error = (done.tasks[0] as unknown as { error: { kind: string; message: string } }).error;
    expect(error.kind).toBe("tool_failure");
    expect(error.message).toContain("HTTP 500");
    expect(error.message).toContain('"authorization":"[redacted]"');
    expect(error.message).not.toContain(TOKEN);
    expect(error.message.length).toBeLessThanOrEqual(501);
  });

  it("a connection test against a server that echoes the request headers answers without them", async () => {
    const { s, team } = await setupTenant();
    const secret = "s3cret-echoed-bearer-value";
    const conn = await api("/connections", {
      as: s,
      body: { team_id: team.id, name: "echo", kind: "http", config: { base_url: `${tool()}/echo/401` }, secrets: { bearer_token: secret } },
    });
    expect(conn.status).toBe(201);
    const res = await api(`/connections/${conn.json.id}/test`, { as: s, method: "POST" });
    expect(res.status).toBe(200);
    expect(res.json.ok).toBe(false);
    expect(res.json.message).toContain("HTTP 401");
    expect(res.json.message).not.toContain(secret);
    expect(res.json.message.length).toBeLessThanOrEqual(501);
  });
});
