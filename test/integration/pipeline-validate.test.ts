import { describe, expect, it } from "vitest";
import { api, signup, type Session } from "../helpers/api";
import { createToken } from "../helpers/fixtures";

/**
 * The dashboard's editor validates with `POST /pipelines?dry_run=true` as the user types: the same checks as a push,
 * nothing written, and every problem of the spec named with the line and column it is on.
 */

async function teamOf(s: Session): Promise<{ id: string; slug: string }> {
  const me = await api("/me", { as: s });
  return { id: me.json.teams[0].id, slug: me.json.teams[0].slug };
}

const validate = (as: Session | string, spec_text: string, extra: Record<string, unknown> = {}) =>
  api("/pipelines?dry_run=true", { as, body: { spec_text, ...extra } });

const spec = (team: string, tasks: string) => `name: editor_check
team: ${team}
tasks:
${tasks}`;

const goodTasks = `  - id: extract
    connector: http
    with: { url: "https://tools.example.com/extract" }
  - id: load
    connector: http
    with: { url: "https://tools.example.com/load" }
    depends_on: [extract]
`;

async function nothingWritten(s: Session) {
  expect((await api("/pipelines/editor_check", { as: s })).status).toBe(404);
  expect((await api("/pipelines?include_archived=true", { as: s })).json.items).toEqual([]);
}

describe("validating a spec without pushing it (dry run)", () => {
  it("bad YAML answers 400 naming the line and column of the syntax error, and writes nothing", async () => {
    const s = await signup();
    const team = await teamOf(s);
    const text = spec(team.slug, `${goodTasks}  - id: publish\n    connector: http\n    with: { url: "https://x.example.com"\n`);
    const res = await validate(s, text);
    expect(res.status).toBe(400);
    expect(res.json.error.code).toBe("validation_failed");
    const [detail] = res.json.error.details;
    expect(detail.path).toBe("spec_text");
    expect(detail.line).toBeGreaterThanOrEqual(12);
    expect(detail.message).toMatch(new RegExp(`^line ${detail.line}, column ${detail.column}: `));
    await nothingWritten(s);
  });

  it("names the line of each invalid field: an unknown key, a wrong value, an unknown dependency", async () => {
    const s = await signup();
    const team = await teamOf(s);
    const text = spec(
      team.slug,
      `  - id: extract
    connector: http
    retry: { max: 3 }
    with: { url: "https://tools.example.com/extract" }
  - id: load
    connector: http
    timeout: forever
    with: { url: "https://tools.example.com/load" }
    depends_on: [extract, extrct]
`,
    );
    const res = await validate(s, text);
    expect(res.status).toBe(400);
    const byPath = Object.fromEntries(res.json.error.details.map((d: any) => [d.path, d]));
    expect(byPath["tasks[0].retry"]).toMatchObject({ line: 6, column: 5, message: "unknown field" });
    expect(byPath["tasks[1].timeout"]).toMatchObject({ line: 10, column: 5 });
    expect(byPath["tasks[1].depends_on[1]"]).toMatchObject({ line: 12, column: 27 });
    await nothingWritten(s);
  });

  it("a missing field is reported where its parent starts", async () => {
    const s = await signup();
    const team = await teamOf(s);
    const res = await validate(s, spec(team.slug, `  - id: extract\n    with: { url: "https://tools.example.com/extract" }\n`));
    expect(res.status).toBe(400);
    expect(res.json.error.details).toContainEqual(expect.objectContaining({ path: "tasks[0].connector", line: 4, column: 5 }));
  });

  it("problems found against the workspace (an unknown team, a missing connection) are located too", async () => {
    const s = await signup();
    const team = await teamOf(s);
    const noTeam = await validate(s, spec("no-such-team", goodTasks));
    expect(noTeam.status).toBe(400);
    expect(noTeam.json.error.details).toEqual([expect.objectContaining({ path: "team", line: 2, column: 1 })]);

    const noConnection = await validate(
      s,
      spec(
        team.slug,
        goodTasks.replace(
          '    connector: http\n    with: { url: "https://tools.example.com/load" }',
          '    connector: http\n    connection: warehouse\n    with: { url: "/load" }',
        ),
      ),
    );
    expect(noConnection.status).toBe(400);
    expect(noConnection.json.error.details).toEqual([
      expect.objectContaining({ path: "tasks[1].connection", line: 9, column: 5, message: expect.stringContaining('no connection named "warehouse"') }),
    ]);
    await nothingWritten(s);
  });

  it("locates problems in a JSON spec as well", async () => {
    const s = await signup();
    const team = await teamOf(s);
    const text = `{\n  "name": "editor_check",\n  "team": "${team.slug}",\n  "tasks": [\n    { "id": "a", "connector": "http", "with": { "url": "https://x.example.com", "verb": "GET" } }\n  ]\n}\n`;
    const res = await validate(s, text, { format: "json" });
    expect(res.status).toBe(400);
    expect(res.json.error.details).toContainEqual(expect.objectContaining({ path: "tasks[0].with.verb", line: 5, column: 81 }));
  });

  it("an environment the team lacks is the request's problem, not a line of the spec", async () => {
    const s = await signup();
    const team = await teamOf(s);
    const res = await validate(s, spec(team.slug, goodTasks), { environment: "staging" });
    expect(res.status).toBe(400);
    expect(res.json.error.details).toEqual([{ path: "environment", message: expect.stringContaining('no environment "staging"') }]);
  });

  it("a valid spec answers the normalized spec (for the task graph) and the diff, and writes nothing", async () => {
    const s = await signup();
    const team = await teamOf(s);
    const res = await validate(s, spec(team.slug, goodTasks));
    expect(res.status).toBe(200);
    expect(res.json).toMatchObject({ status: "created", dry_run: true, pipeline: null, diff: { tasks_added: ["extract", "load"] } });
    expect(res.json.spec.tasks.map((t: any) => [t.id, t.depends_on])).toEqual([
      ["extract", []],
      ["load", ["extract"]],
    ]);
    await nothingWritten(s);
  });
});

describe("where a version came from", () => {
  it("a push from a dashboard session is `ui`, a token push with a git source `ci`, one without `api`", async () => {
    const s = await signup();
    const team = await teamOf(s);
    const { token } = await createToken(s, team.id);
    const text = (url: string) => spec(team.slug, goodTasks.replace("https://tools.example.com/load", url));

    const fromCi = await api("/pipelines", {
      as: token,
      body: { spec_text: text("https://a.example.com"), source: { git_repo: "acme/specs", git_sha: "0123abcd", git_branch: "main" } },
    });
    expect(fromCi.status).toBe(201);
    expect(fromCi.json.pipeline.origin).toBe("ci");

    const fromUi = await api("/pipelines", { as: s, body: { spec_text: text("https://b.example.com") } });
    expect(fromUi.status).toBe(200);
    expect(fromUi.json.pipeline).toMatchObject({ origin: "ui", source: null, current_version: { number: 2 } });

    const fromApi = await api("/pipelines", { as: token, body: { spec_text: text("https://c.example.com") } });
    expect(fromApi.json.pipeline.origin).toBe("api");

    const versions = await api("/pipelines/editor_check/versions", { as: s });
    expect(versions.json.items.map((v: any) => [v.number, v.origin])).toEqual([
      [3, "api"],
      [2, "ui"],
      [1, "ci"],
    ]);
    expect((await api("/pipelines/editor_check/versions/2", { as: s })).json).toMatchObject({ origin: "ui", created_by: { type: "user" } });
  });

  it("an environment's own version records its origin", async () => {
    const s = await signup();
    const team = await teamOf(s);
    expect((await api(`/teams/${team.id}/environments/ci`, { as: s, method: "PUT", body: { bindings: {} } })).status).toBeLessThan(300);
    expect((await api("/pipelines", { as: s, body: { spec_text: spec(team.slug, goodTasks) } })).status).toBe(201);
    const branch = await api("/pipelines", { as: s, body: { spec_text: spec(team.slug, goodTasks.replace("/load", "/load2")), environment: "ci" } });
    expect(branch.status).toBe(200);
    const detail = await api("/pipelines/editor_check", { as: s });
    expect(detail.json.environments).toEqual([expect.objectContaining({ environment: "ci", origin: "ui", version: expect.objectContaining({ number: 2 }) })]);
  });
});
