import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parseRunArgs } from "../../cli/commands/run";
import { runsQuery } from "../../cli/commands/runs";
import { UsageError } from "../../cli/io";
import { parseParams, parseTimeout } from "../../cli/run-view";
import { freePort } from "../e2e/helpers/processes";
import { startHttpToolFake, type HttpToolFake } from "../fakes/http-tool/server";
import { cliWorkspace, settleRunsAfterAll, type CliWorkspace } from "./workspace";

const TOOL_TOKEN = "cli-tool-token";

/** A pipeline of one task on the http-tool fake: `polls` status reads say "running", then the job ends as `outcome`. */
const spec = (name: string, team: string, job: { polls: number; outcome?: string; message?: string }) =>
  [
    `name: ${name}`,
    `team: ${team}`,
    "params: { day: '2026-01-01' }",
    "tasks:",
    "  - id: a",
    "    connector: http",
    "    connection: tool",
    "    poll_interval: 1s",
    "    with:",
    "      url: /jobs",
    `      body: ${JSON.stringify({ key: "{{run_id}}", ...job })}`,
    "      external_id_path: $.id",
    "      completion:",
    "        mode: poll",
    "        status_url: /jobs/{{external_id}}",
    "        success: { path: $.status, equals: succeeded }",
    "        failure: { path: $.status, in: [failed, cancelled] }",
    "        message_path: $.message",
    "",
  ].join("\n");

describe("tutti run, status and runs against a real Tutti", () => {
  let tool: HttpToolFake;
  let w: CliWorkspace;

  beforeAll(async () => {
    tool = await startHttpToolFake({ token: TOOL_TOKEN });
    w = await cliWorkspace("run");
    await w.owner.call("POST", "/connections", {
      team_id: w.owner.team.id,
      name: "tool",
      kind: "http",
      config: { base_url: tool.url },
      secrets: { bearer_token: TOOL_TOKEN },
    });
    w.write("daily.yaml", spec("daily", w.owner.team.slug, { polls: 1 }));
    w.write("broken.yaml", spec("broken", w.owner.team.slug, { polls: 1, outcome: "failed", message: "boom" }));
    w.write("slow.yaml", spec("slow", w.owner.team.slug, { polls: 1000 }));
    const pushed = await w.run(["push", "daily.yaml", "broken.yaml", "slow.yaml"]);
    expect(pushed.code, pushed.err.join("\n")).toBe(0);
  });
  settleRunsAfterAll(() => [w]);
  afterAll(async () => {
    await tool?.close();
  });

  it("parses params as JSON literals or strings, and timeouts", () => {
    expect(parseParams(["day=2026-11-24", "full=true", "n=3", 'obj={"a":1}'])).toEqual({ day: "2026-11-24", full: true, n: 3, obj: { a: 1 } });
    expect(() => parseParams(["novalue"])).toThrow(/key=value/);
    expect(parseTimeout("90s")).toBe(90_000);
    expect(parseTimeout("10m")).toBe(600_000);
    expect(parseTimeout("45")).toBe(45_000);
    expect(() => parseRunArgs(["a", "b"])).toThrow(UsageError);
    expect(() => parseRunArgs(["a", "--timeout", "soon"])).toThrow(UsageError);
  });

  it("run --wait follows the run through its task changes and exits 0 when it succeeds", async () => {
    const r = await w.run(["run", "daily", "--param", "day=2026-11-24", "--wait"]);
    expect(r.code, r.err.join("\n")).toBe(0);
    const runId = /^started daily (run_\w+) /.exec(r.out[0])![1];
    expect(r.out).toContain("  a: succeeded");
    expect(r.out.join("\n")).toMatch(new RegExp(`daily ${runId}: succeeded in \\d+\\.\\ds`));
    const run = await w.owner.call("GET", `/runs/${runId}`);
    expect(run).toMatchObject({ status: "succeeded", params: { day: "2026-11-24" } });
  });

  it("run --wait exits 1 when the run fails, printing the tool's message", async () => {
    const r = await w.run(["run", "broken", "--wait"]);
    expect(r.code).toBe(1);
    expect(r.out.join("\n")).toMatch(/broken run_\w+: failed/);
    expect(r.out.join("\n")).toMatch(/failed\s+a — boom/);
  });

  it("run --wait exits 3 at --timeout while the run goes on", async () => {
    const r = await w.run(["run", "slow", "--wait", "--timeout", "2s"]);
    expect(r.code).toBe(3);
    const runId = /^started slow (run_\w+) /.exec(r.out[0])![1];
    expect(r.err.join("\n")).toContain(`${runId}: still running after the timeout; the run goes on`);
    expect((await w.owner.call("GET", `/runs/${runId}`)).status).toBe("running");
    await w.owner.call("POST", `/runs/${runId}/cancel`, {});
  });

  it("a GitHub Actions job step run again starts no second run", async () => {
    const ci = { GITHUB_RUN_ID: String(Date.now()), GITHUB_RUN_ATTEMPT: "1" };
    const first = await w.run(["run", "daily"], ci);
    const again = await w.run(["run", "daily"], ci);
    expect([first.code, again.code]).toEqual([0, 0]);
    const id = (r: { out: string[] }) => /^started daily (run_\w+) /.exec(r.out[0])![1];
    expect(id(again)).toBe(id(first));
  });

  it("from a pull request, run starts the ci environment's run with the pull request, head commit and job link; retry keeps them", async () => {
    await w.owner.call("PUT", `/teams/${w.owner.team.id}/environments/ci`, { bindings: {} });
    const head = "0123456789abcdef0123456789abcdef01234567";
    w.write("pr-event.json", JSON.stringify({ pull_request: { number: 42, head: { sha: head } } }));
    const pr = {
      GITHUB_ACTIONS: "true",
      GITHUB_EVENT_NAME: "pull_request",
      GITHUB_EVENT_PATH: "pr-event.json",
      GITHUB_HEAD_REF: "feature",
      GITHUB_REPOSITORY: "acme/pipelines",
      GITHUB_SHA: "f".repeat(40),
      GITHUB_RUN_ID: `${Date.now()}`,
      GITHUB_SERVER_URL: "https://github.com",
    };
    const r = await w.run(["run", "daily", "--wait"], pr);
    expect(r.code, r.err.join("\n")).toBe(0);
    expect(r.out[0]).toMatch(/^started daily run_\w+ \(\w+\) in ci$/);
    const runId = /(run_\w+)/.exec(r.out[0])![1];
    const ci = {
      pr_number: 42,
      commit_sha: head,
      branch: "feature",
      repo: "acme/pipelines",
      url: `https://github.com/acme/pipelines/actions/runs/${pr.GITHUB_RUN_ID}`,
    };
    expect(await w.owner.call("GET", `/runs/${runId}`)).toMatchObject({ environment: "ci", ci });

    const again = await w.run(["retry", runId, "--json"]);
    expect(again.code, again.err.join("\n")).toBe(0);
    expect(JSON.parse(again.out.join("\n"))).toMatchObject({ environment: "ci", ci, params: { day: "2026-01-01" } });
    await w.run(["status", JSON.parse(again.out.join("\n")).id, "--wait"]);
  });

  it("an unknown pipeline prints the API error and exits 1", async () => {
    const r = await w.run(["run", "nope"]);
    expect(r.code).toBe(1);
    expect(r.err.join("\n")).toMatch(/^nope: not_found: /);
  });

  it("status prints the tasks and exits with the run's result; --wait follows a run to its end", async () => {
    const failed = await w.run(["run", "broken", "--wait"]);
    const failedId = /^started broken (run_\w+) /.exec(failed.out[0])![1];
    const status = await w.run(["status", failedId]);
    expect(status.code).toBe(1);
    expect(status.out[0]).toMatch(new RegExp(`^broken ${failedId}: failed`));
    expect(status.out).toContain("  failed       a — boom");

    const started = await w.run(["run", "daily"]);
    const runId = /^started daily (run_\w+) /.exec(started.out[0])![1];
    const followed = await w.run(["status", runId, "--wait"]);
    expect(followed.code, followed.err.join("\n")).toBe(0);
    // The run's final state: its line, then each task with the outputs it reported under it.
    expect(followed.out.at(-3)).toMatch(new RegExp(`^daily ${runId}: succeeded`));
    expect(followed.out.at(-2)).toBe("  succeeded    a");
    expect(followed.out.at(-1)).toMatch(/^ +outputs: status_code=200$/);
    expect((await w.run(["status", "run_doesnotexist"])).code).toBe(1);
  });

  it("--json prints one document on stdout (the run, the list) and moves progress to stderr", async () => {
    const started = await w.run(["run", "daily", "--json"]);
    expect(started.code).toBe(0);
    const run = JSON.parse(started.out.join("\n"));
    expect(run).toMatchObject({ id: expect.stringMatching(/^run_/), pipeline: { name: "daily" }, tasks: [{ key: "a" }] });

    const waited = await w.run(["status", run.id, "--wait", "--json"]);
    expect(waited.code).toBe(0);
    expect(JSON.parse(waited.out.join("\n"))).toMatchObject({ id: run.id, status: "succeeded", tasks: [{ key: "a", status: "succeeded" }] });

    const failed = await w.run(["run", "broken", "--wait", "--json"]);
    expect(failed.code).toBe(1);
    expect(JSON.parse(failed.out.join("\n"))).toMatchObject({ status: "failed", tasks: [{ error: { message: "boom" } }] });
    expect(failed.err[0]).toMatch(/^started broken run_\w+ \((queued|running)\)$/);
    expect(failed.err).toContain("  a: failed");

    const listed = await w.run(["runs", "--pipeline", "daily", "--limit", "1", "--json"]);
    const page = JSON.parse(listed.out.join("\n"));
    expect(page.items).toEqual([expect.objectContaining({ id: run.id, status: "succeeded" })]);
    expect(page).toHaveProperty("next_cursor");

    const missing = await w.run(["status", "run_doesnotexist", "--json"]);
    expect(missing.code).toBe(1);
    expect(JSON.parse(missing.out.join("\n"))).toEqual({
      error: { code: "not_found", message: expect.any(String), status: 404, details: [], request_id: expect.any(String) },
    });
    const usage = await w.run(["status", "--json"]);
    expect(usage.code).toBe(2);
    expect(JSON.parse(usage.out.join("\n")).error).toMatchObject({ code: "usage", message: "name exactly one run id" });
  });

  it("a Tutti that cannot be reached exits 4 (worth retrying), with the error in JSON", async () => {
    const closed = `http://127.0.0.1:${await freePort()}`;
    const r = await w.run(["status", "run_x", "--json"], { TUTTI_URL: closed });
    expect(r.code).toBe(4);
    expect(JSON.parse(r.out.join("\n")).error).toMatchObject({ code: "network", status: 0 });
  });

  it("runs lists the pipeline's runs newest first and validates --limit", async () => {
    expect(runsQuery({ pipeline: "daily", status: "failed" })).toEqual({ pipeline: "daily", status: "failed", limit: 20 });
    expect(runsQuery({ backfill: "bf_1", env: "ci", limit: "5" })).toEqual({ backfill_id: "bf_1", environment: "ci", limit: 5 });
    expect(() => runsQuery({ limit: "0" })).toThrow(UsageError);
    const started = await w.run(["run", "daily", "--wait"]);
    const newest = /^started daily (run_\w+) /.exec(started.out[0])![1];
    const r = await w.run(["runs", "--pipeline", "daily", "--limit", "2"]);
    expect(r.code).toBe(0);
    expect(r.out).toHaveLength(2);
    expect(r.out[0]).toMatch(new RegExp(`succeeded\\s+daily\\s+${newest}\\s+api\\s+\\d+\\.\\ds`));
    const failedOnly = await w.run(["runs", "--status", "failed"]);
    expect(failedOnly.out.every((l) => /\sfailed\s+broken\s/.test(l))).toBe(true);
    expect((await w.run(["runs", "--limit", "0"])).code).toBe(2);
  });
});
