import { describe, expect, it } from "vitest";
import { parsePushArgs, resultLines } from "../../cli/commands/push";
import { loadConfig } from "../../cli/config";
import { detailLine, diffLines, failureLines, positionLine } from "../../cli/format";
import { gitSourceFromEnv } from "../../cli/git-source";
import { UsageError } from "../../cli/io";
import { main } from "../../cli/main";
import { fakeIO } from "./fake";

const spec = (name: string) => `name: ${name}\nteam: analytics\ntasks:\n  - { id: a, connector: http, with: { url: "https://x.example.com" } }\n`;
const noDiff = { tasks_added: [], tasks_removed: [], tasks_changed: [], schedule_changed: false, schedule_before: null, schedule_after: null, other_changes: [] };

describe("argument parsing", () => {
  it("takes files, --dry-run and --env", () => {
    expect(parsePushArgs(["a.yaml", "b.json"])).toEqual({ files: ["a.yaml", "b.json"], dryRun: false, env: null });
    expect(parsePushArgs(["--dry-run", "a.yaml"])).toEqual({ files: ["a.yaml"], dryRun: true, env: null });
    expect(parsePushArgs(["--env", "ci", "a.yaml"])).toEqual({ files: ["a.yaml"], dryRun: false, env: "ci" });
  });

  it("refuses unknown flags and an empty file list", () => {
    expect(() => parsePushArgs(["--force", "a.yaml"])).toThrow(UsageError);
    expect(() => parsePushArgs(["--dry-run"])).toThrow(/at least one spec file/);
  });

  it("reads TUTTI_TOKEN and TUTTI_URL, defaulting the URL", () => {
    expect(loadConfig({ TUTTI_TOKEN: "tt_live_x" })).toEqual({ url: "http://localhost:8787", token: "tt_live_x" });
    expect(loadConfig({ TUTTI_TOKEN: "tt_live_x", TUTTI_URL: "https://tutti.example.com/" }).url).toBe("https://tutti.example.com");
    expect(() => loadConfig({})).toThrow(/TUTTI_TOKEN is not set/);
    expect(() => loadConfig({ TUTTI_TOKEN: "secret" })).toThrow(/does not look like/);
    expect(() => loadConfig({ TUTTI_TOKEN: "tt_x", TUTTI_URL: "ftp://x" })).toThrow(/http\(s\)/);
  });

  it("takes the git source from GitHub Actions only", () => {
    expect(gitSourceFromEnv({ GITHUB_SHA: "abc" })).toBeUndefined();
    expect(gitSourceFromEnv({ GITHUB_ACTIONS: "true", GITHUB_REPOSITORY: "acme/specs", GITHUB_SHA: "0123abcd", GITHUB_REF_NAME: "12/merge", GITHUB_HEAD_REF: "feature", GITHUB_ACTOR: "ada" })).toEqual({
      git_repo: "acme/specs",
      git_sha: "0123abcd",
      git_branch: "feature",
      git_author: "ada",
    });
  });
});

describe("error and result formatting", () => {
  it("prints field errors as file:path: message and syntax errors as file:line:column: message", () => {
    expect(detailLine("specs/a.yaml", { path: "tasks[1].depends_on[0]", message: 'no task with id "x"' })).toBe('specs/a.yaml:tasks[1].depends_on[0]: no task with id "x"');
    expect(positionLine("a.yaml", 3, 7, "Map keys must be unique")).toBe("a.yaml:3:7: Map keys must be unique");
    expect(positionLine("a.json", 0, 0, "bad")).toBe("a.json: bad");
    expect(failureLines("a.yaml", { status: 403, code: "forbidden", message: "no", details: [], requestId: "req_1" })).toEqual(["a.yaml: forbidden: no (request req_1)"]);
  });

  it("summarises a diff one change kind per line", () => {
    expect(
      diffLines({
        tasks_added: ["c"],
        tasks_removed: ["z"],
        tasks_changed: [{ id: "a", fields: ["with.url", "retries.max"] }],
        schedule_changed: true,
        schedule_before: { cron: "0 6 * * *", timezone: "UTC" },
        schedule_after: null,
        other_changes: ["params.full_refresh"],
      }),
    ).toEqual(["  + tasks: c", "  - tasks: z", "  ~ task a: with.url, retries.max", '  ~ schedule: "0 6 * * *" UTC → none', "  ~ params.full_refresh"]);
  });

  it("says what a push or a dry run did", () => {
    const r = { status: "updated" as const, dry_run: true, restored: false, pipeline: { name: "p" }, version: { number: 3 }, diff: { ...noDiff, tasks_added: ["x"] } };
    expect(resultLines("p.yaml", r, "p")).toEqual(["p.yaml: would update p to version 3", "  + tasks: x"]);
    expect(resultLines("p.yaml", { ...r, status: "unchanged", dry_run: false, restored: true, version: { number: 2 } }, "p")).toEqual(["p.yaml: unchanged p (version 2) (restored from the archive)"]);
  });
});

describe("tutti push", () => {
  it("posts each file's text with its format and prints what happened", async () => {
    const { io, out, err, requests } = fakeIO({
      files: { "a.yaml": spec("alpha"), "b.json": JSON.stringify({ name: "beta" }) },
      env: { TUTTI_URL: "https://tutti.example.com" },
      respond: (req) =>
        req.body.format === "yaml"
          ? { status: 201, body: { status: "created", dry_run: false, restored: false, pipeline: { name: "alpha" }, version: { number: 1 }, diff: { ...noDiff, tasks_added: ["a"] } } }
          : { status: 200, body: { status: "unchanged", dry_run: false, restored: false, pipeline: { name: "beta" }, version: { number: 4 }, diff: noDiff } },
    });
    expect(await main(["push", "a.yaml", "b.json"], io)).toBe(0);
    expect(requests.map((r) => [r.method, r.url, r.headers.authorization, r.body.format])).toEqual([
      ["POST", "https://tutti.example.com/api/v1/pipelines", "Bearer tt_test_abc", "yaml"],
      ["POST", "https://tutti.example.com/api/v1/pipelines", "Bearer tt_test_abc", "json"],
    ]);
    expect(requests[0].body.spec_text).toBe(spec("alpha"));
    expect(requests[0].body.source).toBeUndefined();
    expect(out).toEqual(["a.yaml: created alpha (version 1)", "  + tasks: a", "b.json: unchanged beta (version 4)", "2 files: 1 created, 0 updated, 1 unchanged, 0 failed"]);
    expect(err).toEqual([]);
  });

  it("prints the server's validation errors per path and exits 1, still pushing the other files", async () => {
    const { io, out, err } = fakeIO({
      files: { "bad.yaml": spec("bad"), "good.yaml": spec("good") },
      respond: (req) =>
        req.body.spec_text.includes("bad")
          ? {
              status: 400,
              body: {
                error: {
                  code: "validation_failed",
                  message: "…",
                  request_id: "req_1",
                  details: [
                    { path: "tasks[0].depends_on[0]", message: 'no task with id "extrct"' },
                    { path: "schedule.cron", message: "never fires (no such date)" },
                  ],
                },
              },
            }
          : { status: 201, body: { status: "created", dry_run: false, restored: false, pipeline: { name: "good" }, version: { number: 1 }, diff: noDiff } },
    });
    expect(await main(["push", "bad.yaml", "good.yaml"], io)).toBe(1);
    expect(err).toEqual(['bad.yaml:tasks[0].depends_on[0]: no task with id "extrct"', "bad.yaml:schedule.cron: never fires (no such date)"]);
    expect(out.at(-1)).toBe("2 files: 1 created, 0 updated, 0 unchanged, 1 failed");
  });

  it("reports syntax errors with line and column without sending the file", async () => {
    const { io, err, requests } = fakeIO({ files: { "broken.yaml": "name: a\nname: b\n", "broken.json": '{"name": }' } });
    expect(await main(["push", "broken.yaml", "broken.json"], io)).toBe(1);
    expect(requests).toEqual([]);
    expect(err).toEqual(["broken.yaml:2:1: Map keys must be unique", 'broken.json:1:10: expected a value, found "}"']);
  });

  it("a missing file, a name defined twice and an unreachable server are failures", async () => {
    const { io, err } = fakeIO({
      files: { "one.yaml": spec("dup"), "two.yaml": spec("dup") },
      respond: () => Object.assign(new TypeError("fetch failed"), { cause: { code: "ECONNREFUSED" } }),
    });
    expect(await main(["push", "missing.yaml", "one.yaml", "two.yaml"], io)).toBe(1);
    expect(err).toEqual([
      "missing.yaml: cannot read: ENOENT",
      "one.yaml: network: cannot reach http://localhost:8787 (ECONNREFUSED)",
      'two.yaml:name: pipeline "dup" is also defined in one.yaml',
    ]);
  });

  it("--dry-run asks the server for a dry run and sends the CI source", async () => {
    const { io, out, requests } = fakeIO({
      files: { "a.yaml": spec("alpha") },
      env: { GITHUB_ACTIONS: "true", GITHUB_REPOSITORY: "acme/specs", GITHUB_SHA: "0123456789abcdef" },
      respond: () => ({ status: 200, body: { status: "created", dry_run: true, restored: false, pipeline: null, version: { number: 1 }, diff: noDiff } }),
    });
    expect(await main(["push", "--dry-run", "a.yaml"], io)).toBe(0);
    expect(requests[0].url).toBe("http://localhost:8787/api/v1/pipelines?dry_run=true");
    expect(requests[0].body.source).toEqual({ git_repo: "acme/specs", git_sha: "0123456789abcdef" });
    expect(out).toEqual(["a.yaml: would create alpha (version 1)", "1 file: 1 to create, 0 to update, 0 unchanged, 0 failed"]);
  });

  it("a missing token or a wrong command line exits 2 with the usage", async () => {
    const noToken = fakeIO({ env: { TUTTI_TOKEN: "" } });
    expect(await main(["push", "a.yaml"], noToken.io)).toBe(2);
    expect(noToken.err[0]).toMatch(/TUTTI_TOKEN is not set[\s\S]*Usage: tutti push/);
    const unknown = fakeIO({});
    expect(await main(["deploy"], unknown.io)).toBe(2);
    expect(unknown.err[0]).toMatch(/unknown command "deploy"/);
    expect(await main([], unknown.io)).toBe(2);
    expect(await main(["help"], unknown.io)).toBe(0);
  });
});
