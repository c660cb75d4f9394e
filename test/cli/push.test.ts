import { beforeAll, describe, expect, it } from "vitest";
import { parsePushArgs, resultLines } from "../../cli/commands/push";
import { loadConfig } from "../../cli/config";
import { detailLine, diffLines, failureLines, positionLine } from "../../cli/format";
import { gitSourceFromEnv } from "../../cli/git-source";
import { UsageError } from "../../cli/io";
import { freePort } from "../e2e/helpers/processes";
import { cliWorkspace, settleRunsAfterAll, tutti, type CliWorkspace } from "./workspace";

const spec = (name: string, team = "analytics") =>
  `name: ${name}\nteam: ${team}\ntasks:\n  - { id: a, connector: http, with: { url: "https://x.example.com" } }\n`;
const noDiff = {
  tasks_added: [],
  tasks_removed: [],
  tasks_changed: [],
  schedule_changed: false,
  schedule_before: null,
  schedule_after: null,
  other_changes: [],
};

describe("argument parsing", () => {
  it("takes files, --dry-run and --env", () => {
    expect(parsePushArgs(["a.yaml", "b.json"])).toEqual({ files: ["a.yaml", "b.json"], dryRun: false, env: null, json: false });
    expect(parsePushArgs(["--dry-run", "a.yaml"])).toEqual({ files: ["a.yaml"], dryRun: true, env: null, json: false });
    expect(parsePushArgs(["--env", "ci", "a.yaml", "--json"])).toEqual({ files: ["a.yaml"], dryRun: false, env: "ci", json: true });
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
    expect(
      gitSourceFromEnv({
        GITHUB_ACTIONS: "true",
        GITHUB_REPOSITORY: "acme/specs",
        GITHUB_SHA: "0123abcd",
        GITHUB_REF_NAME: "12/merge",
        GITHUB_HEAD_REF: "feature",
        GITHUB_ACTOR: "ada",
      }),
    ).toEqual({
      git_repo: "acme/specs",
      git_sha: "0123abcd",
      git_branch: "feature",
      git_author: "ada",
    });
  });
});

describe("error and result formatting", () => {
  it("prints field errors as file:line:column: path: message where the API placed them, else file:path: message", () => {
    expect(detailLine("specs/a.yaml", { path: "tasks[1].depends_on[0]", line: 9, column: 19, message: 'no task with id "x"' })).toBe(
      'specs/a.yaml:9:19: tasks[1].depends_on[0]: no task with id "x"',
    );
    expect(detailLine("specs/a.yaml", { path: "tasks[1].depends_on[0]", message: 'no task with id "x"' })).toBe(
      'specs/a.yaml:tasks[1].depends_on[0]: no task with id "x"',
    );
    expect(positionLine("a.yaml", 3, 7, "Map keys must be unique")).toBe("a.yaml:3:7: Map keys must be unique");
    expect(positionLine("a.json", 0, 0, "bad")).toBe("a.json: bad");
    expect(failureLines("a.yaml", { status: 403, code: "forbidden", message: "no", details: [], requestId: "req_1" })).toEqual([
      "a.yaml: forbidden: no (request req_1)",
    ]);
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
    const r = {
      status: "updated" as const,
      dry_run: true,
      restored: false,
      pipeline: { name: "p" },
      version: { number: 3 },
      diff: { ...noDiff, tasks_added: ["x"] },
    };
    expect(resultLines("p.yaml", r, "p")).toEqual(["p.yaml: would update p to version 3", "  + tasks: x"]);
    expect(resultLines("p.yaml", { ...r, status: "unchanged", dry_run: false, restored: true, version: { number: 2 } }, "p")).toEqual([
      "p.yaml: unchanged p (version 2) (restored from the archive)",
    ]);
  });
});

describe("tutti push against a real Tutti", () => {
  let w: CliWorkspace;
  beforeAll(async () => {
    w = await cliWorkspace("push");
  });
  settleRunsAfterAll(() => [w]);
  const pipelineNames = async () => ((await w.owner.call("GET", "/pipelines")).items as Array<{ name: string }>).map((p) => p.name).sort();

  it("creates, updates and leaves unchanged pipelines from YAML and JSON files, saying what happened", async () => {
    w.write("a.yaml", spec("alpha", w.owner.team.slug));
    w.write(
      "b.json",
      JSON.stringify({ name: "beta", team: w.owner.team.slug, tasks: [{ id: "x", connector: "http", with: { url: "https://x.example.com" } }] }),
    );
    const first = await w.run(["push", "a.yaml", "b.json"]);
    expect(first.code, first.err.join("\n")).toBe(0);
    expect(first.out).toEqual([
      "a.yaml: created alpha (version 1)",
      "  + tasks: a",
      "b.json: created beta (version 1)",
      "  + tasks: x",
      "2 files: 2 created, 0 updated, 0 unchanged, 0 failed",
    ]);

    w.write("a.yaml", `${spec("alpha", w.owner.team.slug)}  - { id: b, connector: http, depends_on: [a], with: { url: "https://x.example.com/b" } }\n`);
    const again = await w.run(["push", "a.yaml", "b.json"]);
    expect(again.out).toEqual([
      "a.yaml: updated alpha to version 2",
      "  + tasks: b",
      "b.json: unchanged beta (version 1)",
      "2 files: 0 created, 1 updated, 1 unchanged, 0 failed",
    ]);
    expect((await w.owner.call("GET", "/pipelines/alpha")).current_version.number).toBe(2);
  });

  it("prints the server's validation errors per path and exits 1, still pushing the other files", async () => {
    w.write(
      "bad.yaml",
      `name: bad\nteam: ${w.owner.team.slug}\ntasks:\n  - { id: a, connector: http, depends_on: [extrct], with: { url: "https://x.example.com" } }\n`,
    );
    w.write("good.yaml", spec("good", w.owner.team.slug));
    const r = await w.run(["push", "bad.yaml", "good.yaml"]);
    expect(r.code).toBe(1);
    expect(r.err).toHaveLength(1);
    // Placed on the line and column of the unknown id, as a compiler would print it.
    const column = '  - { id: a, connector: http, depends_on: [extrct], with: { url: "https://x.example.com" } }'.indexOf("extrct") + 1;
    expect(r.err[0]).toMatch(new RegExp(`^bad\\.yaml:4:${column}: tasks\\[0\\]\\.depends_on\\[0\\]: .*extrct`));
    expect(r.out.at(-1)).toBe("2 files: 1 created, 0 updated, 0 unchanged, 1 failed");
    expect(await pipelineNames()).toContain("good");
    expect(await pipelineNames()).not.toContain("bad");
  });

  it("reports syntax errors with line and column and sends nothing", async () => {
    w.write("broken.yaml", "name: broken_yaml\nname: b\n");
    w.write("broken.json", '{"name": }');
    const r = await w.run(["push", "broken.yaml", "broken.json"]);
    expect(r.code).toBe(1);
    expect(r.err).toEqual(["broken.yaml:2:1: Map keys must be unique", 'broken.json:1:10: expected a value, found "}"']);
    expect(await pipelineNames()).not.toContain("broken_yaml");
  });

  it("a missing file and a name defined twice are failures; a server that cannot be reached exits 4", async () => {
    w.write("one.yaml", spec("dup", w.owner.team.slug));
    w.write("two.yaml", spec("dup", w.owner.team.slug));
    const r = await w.run(["push", "missing.yaml", "one.yaml", "two.yaml"]);
    expect(r.code).toBe(1);
    expect(r.err).toEqual(["missing.yaml: cannot read: ENOENT", 'two.yaml:name: pipeline "dup" is also defined in one.yaml']);
    expect(r.out).toContain("one.yaml: created dup (version 1)");

    const closed = `http://127.0.0.1:${await freePort()}`;
    const down = await w.run(["push", "one.yaml"], { TUTTI_URL: closed });
    expect(down.code).toBe(4);
    expect(down.err).toEqual([`one.yaml: network: cannot reach ${closed} (ECONNREFUSED)`]);
  });

  it("--dry-run shows what would change and stores nothing; a push from GitHub Actions records its source", async () => {
    w.write("c.yaml", spec("gamma", w.owner.team.slug));
    const github = {
      GITHUB_ACTIONS: "true",
      GITHUB_EVENT_NAME: "push",
      GITHUB_REF_NAME: "main",
      TUTTI_DEFAULT_BRANCH: "main",
      GITHUB_REPOSITORY: "acme/specs",
      GITHUB_SHA: "0123456789abcdef",
      GITHUB_ACTOR: "ada",
    };
    const dry = await w.run(["push", "--dry-run", "c.yaml"], github);
    expect(dry.code).toBe(0);
    expect(dry.out).toEqual(["c.yaml: would create gamma (version 1)", "  + tasks: a", "1 file: 1 to create, 0 to update, 0 unchanged, 0 failed"]);
    expect((await w.owner.request("GET", "/pipelines/gamma")).status).toBe(404);

    expect((await w.run(["push", "c.yaml"], github)).code).toBe(0);
    expect((await w.owner.call("GET", "/pipelines/gamma")).source).toEqual({
      git_repo: "acme/specs",
      git_sha: "0123456789abcdef",
      git_branch: "main",
      git_author: "ada",
    });
  });

  it("--json prints one document: each file's outcome (diff, or the error with its field path or line) and the counts", async () => {
    w.write("j1.yaml", spec("json_one", w.owner.team.slug));
    w.write("j2.yaml", "name: j2\nname: again\n");
    w.write(
      "j3.yaml",
      `name: json_three\nteam: ${w.owner.team.slug}\ntasks:\n  - { id: a, connector: http, depends_on: [nope], with: { url: "https://x.example.com" } }\n`,
    );
    const r = await w.run(["push", "j1.yaml", "j2.yaml", "j3.yaml", "--json"]);
    expect(r.code).toBe(1);
    expect(JSON.parse(r.out.join("\n"))).toEqual({
      environment: "prod",
      dry_run: false,
      files: [
        { file: "j1.yaml", status: "created", pipeline: "json_one", version: 1, restored: false, diff: { ...noDiff, identical: false, tasks_added: ["a"] } },
        {
          file: "j2.yaml",
          status: "failed",
          error: {
            code: "syntax_error",
            message: "Map keys must be unique",
            status: 0,
            details: [{ path: "", line: 2, column: 1, message: "Map keys must be unique" }],
            request_id: null,
          },
        },
        {
          file: "j3.yaml",
          status: "failed",
          error: expect.objectContaining({ code: "validation_failed", status: 400, details: [expect.objectContaining({ path: "tasks[0].depends_on[0]" })] }),
        },
      ],
      counts: { created: 1, updated: 0, unchanged: 0, failed: 2 },
    });
    // The human lines still go to stderr, so a CI log shows them.
    expect(r.err[0]).toBe("j2.yaml:2:1: Map keys must be unique");
  });

  it("a token without pipelines:write is refused with the API's error", async () => {
    const readOnly = await w.owner.token(["read"]);
    w.write("d.yaml", spec("delta", w.owner.team.slug));
    const r = await w.run(["push", "d.yaml"], { TUTTI_TOKEN: readOnly });
    expect(r.code).toBe(1);
    expect(r.err[0]).toMatch(/^d\.yaml: forbidden: .* \(request \S+\)$/);
  });

  it("a missing token or a wrong command line exits 2 with the usage", async () => {
    const noToken = await tutti(["push", "a.yaml"], {});
    expect(noToken.code).toBe(2);
    expect(noToken.err.join("\n")).toMatch(/TUTTI_TOKEN is not set[\s\S]*Usage: tutti push/);
    const unknown = await tutti(["deploy"], w.env);
    expect(unknown.code).toBe(2);
    expect(unknown.err[0]).toMatch(/unknown command "deploy"/);
    expect((await tutti([], w.env)).code).toBe(2);
    expect((await tutti(["help"], w.env)).code).toBe(0);
  });
});
