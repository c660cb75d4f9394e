import { describe, expect, it } from "vitest";
import { parseRunArgs } from "../../cli/commands/run";
import { runsQuery } from "../../cli/commands/runs";
import { UsageError } from "../../cli/io";
import { main } from "../../cli/main";
import { parseParams, parseTimeout } from "../../cli/run-view";
import { fakeIO } from "./fake";

const view = (status: string, tasks: Array<[string, string]> = [["a", status]]) => ({
  id: "run_1",
  status,
  pipeline: { name: "daily" },
  attempt: 1,
  reason: null,
  queued_at: "2026-11-25T10:00:00.000Z",
  finished_at: null,
  duration_ms: status === "running" ? null : 4200,
  tasks: tasks.map(([key, s]) => ({ key, status: s, attempt: 1, external_url: null, error: s === "failed" ? { kind: "tool_failure", message: "boom" } : null, reason: null })),
});

describe("tutti run", () => {
  it("parses params as JSON literals or strings, and timeouts", () => {
    expect(parseParams(["day=2026-11-24", "full=true", "n=3", "obj={\"a\":1}"])).toEqual({ day: "2026-11-24", full: true, n: 3, obj: { a: 1 } });
    expect(() => parseParams(["novalue"])).toThrow(/key=value/);
    expect(parseTimeout("90s")).toBe(90_000);
    expect(parseTimeout("10m")).toBe(600_000);
    expect(parseTimeout("45")).toBe(45_000);
    expect(() => parseRunArgs(["a", "b"])).toThrow(UsageError);
    expect(() => parseRunArgs(["a", "--timeout", "soon"])).toThrow(UsageError);
  });

  it("--wait follows the run and exits 0 when it succeeds", async () => {
    let polls = 0;
    const { io, out, requests } = fakeIO({
      respond: (req) => {
        if (req.method === "POST") return { status: 201, body: view("running") };
        polls++;
        return { status: 200, body: polls < 2 ? view("running") : view("succeeded") };
      },
    });
    expect(await main(["run", "daily", "--param", "day=2026-11-24", "--wait"], io)).toBe(0);
    expect(requests[0]).toMatchObject({ method: "POST", url: "http://localhost:8787/api/v1/pipelines/daily/runs", body: { params: { day: "2026-11-24" } } });
    expect(requests[1].url).toMatch(/\/runs\/run_1\?wait=\d+/);
    expect(out.join("\n")).toMatch(/daily run_1: succeeded in 4.2s/);
  });

  it("exit code mirrors a failed run", async () => {
    const { io, out } = fakeIO({ respond: (req) => ({ status: req.method === "POST" ? 201 : 200, body: req.method === "POST" ? view("running") : view("failed") }) });
    expect(await main(["run", "daily", "--wait"], io)).toBe(1);
    expect(out.join("\n")).toMatch(/failed\s+a — boom/);
  });

  it("uses the GitHub run as idempotency key so a retried CI step does not start a second run", async () => {
    const { io, requests } = fakeIO({ env: { GITHUB_RUN_ID: "77", GITHUB_RUN_ATTEMPT: "1" }, respond: () => ({ status: 201, body: view("queued") }) });
    expect(await main(["run", "daily"], io)).toBe(0);
    expect(requests[0].headers["idempotency-key"]).toBe("gha-77-1-daily");
  });

  it("an unknown pipeline prints the API error and exits 1", async () => {
    const { io, err } = fakeIO({ respond: () => ({ status: 404, body: { error: { code: "not_found", message: "pipeline not found", details: [], request_id: "req_1" } } }) });
    expect(await main(["run", "nope"], io)).toBe(1);
    expect(err.join("\n")).toMatch(/nope: not_found: pipeline not found/);
  });
});

describe("tutti status and runs", () => {
  it("status prints tasks and exits with the run's result", async () => {
    const { io, out } = fakeIO({ respond: () => ({ status: 200, body: view("failed", [["extract", "succeeded"], ["load", "failed"]]) }) });
    expect(await main(["status", "run_1"], io)).toBe(1);
    expect(out).toContain("  succeeded    extract");
  });

  it("runs lists newest first and validates --limit", async () => {
    expect(runsQuery({ pipeline: "daily", status: "failed" })).toBe("pipeline=daily&status=failed&limit=20");
    expect(() => runsQuery({ limit: "0" })).toThrow(UsageError);
    const { io, out, requests } = fakeIO({
      respond: () => ({ status: 200, body: { items: [{ id: "run_9", status: "succeeded", pipeline: { name: "daily" }, trigger: { kind: "cron" }, queued_at: "2026-11-25T06:00:00.000Z", duration_ms: 1500 }], next_cursor: null } }),
    });
    expect(await main(["runs", "--pipeline", "daily"], io)).toBe(0);
    expect(requests[0].url).toBe("http://localhost:8787/api/v1/runs?pipeline=daily&limit=20");
    expect(out[0]).toMatch(/succeeded\s+daily\s+run_9\s+cron\s+1.5s/);
  });
});
