import { describe, expect, it } from "vitest";
import { api, expectError, signup, type Session } from "../helpers/api";
import { addMember, createTeam, createToken, createWebhookConnection } from "../helpers/fixtures";
import { isTerminal, waitForRun } from "../helpers/engine";
import { pushPipeline, setupTenant, toolTask } from "../helpers/pipelines";
import { nextSlot } from "../../worker/engine/cron";
import { pipelinePublicRoutes, pipelineRoutes } from "../../worker/routes/pipelines";

async function teamOf(s: Session): Promise<{ id: string; slug: string }> {
  const me = await api("/me", { as: s });
  return { id: me.json.teams[0].id, slug: me.json.teams[0].slug };
}

/** A three-task http pipeline in YAML; `extra` lines are appended at the top level. */
function specYaml(name: string, team: string, opts: { cron?: string; url?: string; extra?: string } = {}) {
  return `# pushed by tests
name: ${name}
team: ${team}
description: Revenue marts
schedule: { cron: "${opts.cron ?? "0 6 * * 1-5"}", timezone: Europe/London }
tasks:
  - id: extract
    connector: http
    with: { url: "${opts.url ?? "https://tools.example.com/extract"}" }
    retries: { max: 2, delay: 10s }
  - id: transform
    connector: http
    with: { url: "https://tools.example.com/transform", method: PUT }
    depends_on: [extract]
  - id: publish
    connector: http
    with: { url: "https://tools.example.com/publish" }
    depends_on: [transform]
    run_if: all_done
${opts.extra ?? ""}`;
}

const push = (as: Session | string, spec_text: string, extra: Record<string, unknown> = {}, query = "") =>
  api(`/pipelines${query}`, { as, body: { spec_text, ...extra } });

const paths = (res: { json: any }) => res.json.error.details.map((d: { path: string }) => d.path);

describe("pushing pipeline specs", () => {
  it("a new spec creates the pipeline at version 1 with its normalized spec", async () => {
    const s = await signup();
    const team = await teamOf(s);
    const res = await push(s, specYaml("daily_revenue", team.slug));
    expect(res.status).toBe(201);
    expect(res.json).toMatchObject({
      status: "created",
      dry_run: false,
      restored: false,
      pipeline: {
        name: "daily_revenue",
        team: { id: team.id, slug: team.slug },
        paused: false,
        archived_at: null,
        schedule: { cron: "0 6 * * 1-5", timezone: "Europe/London" },
        current_version: { number: 1 },
      },
      version: { number: 1 },
      diff: { tasks_added: ["extract", "transform", "publish"], tasks_removed: [] },
    });
    expect(res.json.pipeline.id).toMatch(/^pl_/);
    expect(res.json.version.id).toMatch(/^plv_/);

    const got = await api("/pipelines/daily_revenue", { as: s });
    expect(got.status).toBe(200);
    expect(got.json.spec.tasks[0]).toMatchObject({ id: "extract", connection: null, retries: { max: 2, delay_ms: 10_000 }, with: { method: "POST" } });
    expect(got.json.spec.tasks[1].with.method).toBe("PUT");

    const list = await api("/pipelines", { as: s });
    expect(list.json.items.map((p: any) => p.name)).toEqual(["daily_revenue"]);
    expect(list.json.items[0]).toMatchObject({ description: "Revenue marts", current_version: { number: 1 } });
  });

  it("the same spec twice is one version, even reformatted or as JSON", async () => {
    const s = await signup();
    const team = await teamOf(s);
    const text = specYaml("same_twice", team.slug);
    expect((await push(s, text)).status).toBe(201);
    const again = await push(s, text);
    expect(again.status).toBe(200);
    expect(again.json).toMatchObject({ status: "unchanged", version: { number: 1 }, diff: { identical: true } });

    const asJson = JSON.stringify({
      team: team.slug,
      name: "same_twice",
      description: "Revenue marts",
      schedule: { timezone: "Europe/London", cron: "0 6 * * 1-5" },
      tasks: [
        { id: "extract", connector: "http", with: { url: "https://tools.example.com/extract" }, retries: { delay: "10s", max: 2 } },
        { id: "transform", connector: "http", with: { url: "https://tools.example.com/transform", method: "PUT" }, depends_on: ["extract"] },
        { id: "publish", connector: "http", with: { url: "https://tools.example.com/publish", method: "POST" }, depends_on: ["transform"], run_if: "all_done" },
      ],
    });
    const json = await push(s, asJson, { format: "json" });
    expect(json.json.status).toBe("unchanged");
    const versions = await api("/pipelines/same_twice/versions", { as: s });
    expect(versions.json.items).toHaveLength(1);
  });

  it("a changed spec adds version 2 with a diff; versions list, show and diff", async () => {
    const s = await signup();
    const team = await teamOf(s);
    await push(s, specYaml("evolving", team.slug));
    const v2Text = specYaml("evolving", team.slug, { cron: "30 7 * * *", url: "https://tools.example.com/extract-v2" });
    const res = await push(s, v2Text, { source: { git_repo: "acme/pipelines", git_sha: "0123456789abcdef", git_branch: "main", git_author: "ada" } });
    expect(res.status).toBe(200);
    expect(res.json).toMatchObject({
      status: "updated",
      version: { number: 2 },
      pipeline: { current_version: { number: 2 }, schedule: { cron: "30 7 * * *" }, source: { git_repo: "acme/pipelines", git_sha: "0123456789abcdef" } },
      diff: {
        tasks_added: [],
        tasks_removed: [],
        tasks_changed: [{ id: "extract", fields: ["with.url"] }],
        schedule_changed: true,
        schedule_before: { cron: "0 6 * * 1-5", timezone: "Europe/London" },
        schedule_after: { cron: "30 7 * * *", timezone: "Europe/London" },
      },
    });

    const versions = await api("/pipelines/evolving/versions", { as: s });
    expect(versions.json.items.map((v: any) => v.number)).toEqual([2, 1]);
    expect(versions.json.items[0].source.git_branch).toBe("main");
    expect(versions.json.items[0].created_by.type).toBe("user");

    const v2 = await api("/pipelines/evolving/versions/2", { as: s });
    expect(v2.json.spec_text).toBe(v2Text);
    expect(v2.json.spec.schedule.cron).toBe("30 7 * * *");

    const diff = await api("/pipelines/evolving/versions/2/diff", { as: s });
    expect(diff.json).toMatchObject({ from: 1, to: 2, diff: { schedule_changed: true, tasks_changed: [{ id: "extract" }] } });
    const first = await api("/pipelines/evolving/versions/1/diff", { as: s });
    expect(first.json).toMatchObject({ from: null, to: 1, diff: { tasks_added: ["extract", "transform", "publish"] } });
    const backwards = await api("/pipelines/evolving/versions/1/diff?against=2", { as: s });
    expect(backwards.json.diff.schedule_after.cron).toBe("0 6 * * 1-5");
    expectError(await api("/pipelines/evolving/versions/3", { as: s }), 404, "not_found");
    expectError(await api("/pipelines/evolving/versions/2/diff?against=9", { as: s }), 404, "not_found");
  });

  it("a dry run validates and diffs without writing", async () => {
    const s = await signup();
    const team = await teamOf(s);
    const fresh = await push(s, specYaml("dry", team.slug), {}, "?dry_run=true");
    expect(fresh.status).toBe(200);
    expect(fresh.json).toMatchObject({ status: "created", dry_run: true, pipeline: null, version: { id: null, number: 1 } });
    expectError(await api("/pipelines/dry", { as: s }), 404, "not_found");

    await push(s, specYaml("dry", team.slug));
    const changed = await push(s, specYaml("dry", team.slug, { cron: "0 9 * * *" }), {}, "?dry_run=true");
    expect(changed.json).toMatchObject({ status: "updated", dry_run: true, version: { id: null, number: 2 }, diff: { schedule_changed: true } });
    expect((await api("/pipelines/dry/versions", { as: s })).json.items).toHaveLength(1);
    const invalid = await push(s, specYaml("dry", team.slug, { cron: "0 25 * * *" }), {}, "?dry_run=true");
    expectError(invalid, 400, "validation_failed");
    expect(paths(invalid)).toEqual(["schedule.cron"]);
  });
});

describe("validation errors name the exact path", () => {
  it("reports DAG, connector and `with` problems at their paths", async () => {
    const s = await signup();
    const team = await teamOf(s);
    const res = await push(
      s,
      `name: broken
team: ${team.slug}
tasks:
  - id: a
    connector: http
    with: { url: "https://x.example.com", method: FETCH }
    depends_on: [c]
  - id: b
    connector: airflow
    depends_on: [ghost]
  - id: c
    connector: http
    with: { url: "https://x.example.com" }
    depends_on: [a]
    timeout: soon
`,
    );
    expectError(res, 400, "validation_failed");
    expect(paths(res).sort()).toEqual(["tasks[0].with.method", "tasks[1].connector", "tasks[1].depends_on[0]", "tasks[2].depends_on[0]", "tasks[2].timeout"]);
    expect(res.json.error.details.find((d: any) => d.path === "tasks[2].depends_on[0]").message).toBe("dependency cycle: a → c → a");
    expect((await api("/pipelines/broken", { as: s })).status).toBe(404);
  });

  it("a YAML syntax error names spec_text with line and column", async () => {
    const s = await signup();
    const res = await push(s, "name: x\ntasks:\n  - id: a\n    with: { url: 1\n");
    expectError(res, 400, "validation_failed");
    expect(res.json.error.details[0].path).toBe("spec_text");
    expect(res.json.error.details[0].message).toMatch(/^line \d+, column \d+: /);
  });

  it("a YAML alias bomb (billion laughs) is refused as a 400 naming spec_text, and nothing is stored", async () => {
    const s = await signup();
    const lines = [`name: laughs\nteam: ${(await teamOf(s)).slug}\nx0: &a0 [x, x, x, x, x, x, x, x, x, x]`];
    for (let i = 1; i < 9; i++)
      lines.push(
        `x${i}: &a${i} [${Array(10)
          .fill(`*a${i - 1}`)
          .join(", ")}]`,
      );
    const res = await push(s, lines.join("\n"));
    expectError(res, 400, "validation_failed");
    expect(res.json.error.details).toEqual([
      { path: "spec_text", message: expect.stringContaining("Excessive alias count indicates a resource exhaustion attack") },
    ]);
    expect((await api("/pipelines/laughs", { as: s })).status).toBe(404);
  });

  it("unknown body fields, an unknown team, and missing or mismatched connections are refused", async () => {
    const s = await signup();
    const team = await teamOf(s);
    const unknownField = await api("/pipelines", { as: s, body: { spec_text: specYaml("x", team.slug), spec: {} } });
    expectError(unknownField, 400, "validation_failed");
    expect(paths(unknownField)).toEqual(["spec"]);

    const noTeam = await push(s, specYaml("x", "no-such-team"));
    expectError(noTeam, 400, "validation_failed");
    expect(paths(noTeam)).toEqual(["team"]);

    await createWebhookConnection(s, team.id, "alerts-hook", "whsec-value-1");
    const conn = await api("/connections", {
      as: s,
      body: { team_id: team.id, name: "tools-api", kind: "http", config: { base_url: "https://tools.example.com" }, secrets: {} },
    });
    expect(conn.status).toBe(201);
    const text = `name: conns
team: ${team.slug}
tasks:
  - { id: a, connector: http, connection: tools-api, with: { url: /run } }
  - { id: b, connector: http, connection: missing-one, with: { url: /run } }
  - { id: c, connector: http, connection: alerts-hook, with: { url: /run } }
`;
    const res = await push(s, text);
    expectError(res, 400, "validation_failed");
    expect(res.json.error.details).toEqual([
      { path: "tasks[1].connection", message: `team "${team.slug}" has no connection named "missing-one"`, line: 5, column: 31 },
      { path: "tasks[2].connection", message: '"alerts-hook" is a webhook connection; the http connector needs a http connection', line: 6, column: 31 },
    ]);
    const ok = await push(s, `${text.split("\n").slice(0, 4).join("\n")}\n`);
    expect(ok.status).toBe(201);
    expect(ok.json.pipeline.name).toBe("conns");
  });

  it("a connection of another team of the same tenant cannot be used", async () => {
    const s = await signup();
    const team = await teamOf(s);
    const other = await createTeam(s, "Marketing");
    await createWebhookConnection(s, other.id, "their-hook", "whsec-value-2");
    const res = await push(
      s,
      `name: borrow\nteam: ${team.slug}\ntasks:\n  - { id: a, connector: http, connection: their-hook, with: { url: "https://x.example.com" } }\n`,
    );
    expectError(res, 400, "validation_failed");
    expect(res.json.error.details[0].path).toBe("tasks[0].connection");
  });
});

describe("pause, resume and archive", () => {
  it("pause and resume change the state once and are audited", async () => {
    const s = await signup();
    const team = await teamOf(s);
    await push(s, specYaml("pausable", team.slug));
    const paused = await api("/pipelines/pausable/pause", { method: "POST", as: s });
    expect(paused.status).toBe(200);
    expect(paused.json.paused).toBe(true);
    expect((await api("/pipelines/pausable/pause", { method: "POST", as: s })).json.paused).toBe(true);
    expect((await api("/pipelines?paused=true", { as: s })).json.items.map((p: any) => p.name)).toEqual(["pausable"]);
    expect((await api("/pipelines?paused=false", { as: s })).json.items).toEqual([]);
    const resumed = await api("/pipelines/pausable/resume", { method: "POST", as: s });
    expect(resumed.json.paused).toBe(false);

    const audit = await api(`/audit-log?target_id=${paused.json.id}`, { as: s });
    expect(audit.status).toBe(200);
    expect(audit.json.items.map((e: any) => e.action).sort()).toEqual(["pipeline.created", "pipeline.paused", "pipeline.resumed"]);
  });

  it("archiving keeps history, hides the pipeline from lists, and a re-push restores it", async () => {
    const s = await signup();
    const team = await teamOf(s);
    const text = specYaml("retiring", team.slug);
    const created = await push(s, text);
    const archived = await api("/pipelines/retiring", { method: "DELETE", as: s });
    expect(archived.status).toBe(200);
    expect(archived.json.archived_at).not.toBeNull();
    expect((await api("/pipelines", { as: s })).json.items).toEqual([]);
    expect((await api("/pipelines?include_archived=true", { as: s })).json.items.map((p: any) => p.name)).toEqual(["retiring"]);
    expect((await api("/pipelines/retiring", { as: s })).json.archived_at).not.toBeNull();
    expect((await api("/pipelines/retiring/versions/1", { as: s })).status).toBe(200);
    expectError(await api("/pipelines/retiring/pause", { method: "POST", as: s }), 409, "conflict");

    const back = await push(s, text);
    expect(back.status).toBe(200);
    expect(back.json).toMatchObject({
      status: "unchanged",
      restored: true,
      pipeline: { id: created.json.pipeline.id, archived_at: null },
      version: { number: 1 },
    });
    expect((await api("/pipelines", { as: s })).json.items.map((p: any) => p.name)).toEqual(["retiring"]);
    const audit = await api(`/audit-log?target_id=${created.json.pipeline.id}`, { as: s });
    expect(audit.json.items.map((e: any) => e.action).sort()).toEqual(["pipeline.archived", "pipeline.created", "pipeline.restored"]);
  });

  it("lists filter by team and search text, and page by cursor", async () => {
    const s = await signup();
    const team = await teamOf(s);
    const other = await createTeam(s, "Finance");
    for (const name of ["alpha", "beta", "gamma"]) await push(s, specYaml(name, team.slug));
    await push(s, specYaml("ledger", other.slug));
    expect((await api(`/pipelines?team_id=${other.id}`, { as: s })).json.items.map((p: any) => p.name)).toEqual(["ledger"]);
    expect((await api("/pipelines?q=MM", { as: s })).json.items.map((p: any) => p.name)).toEqual(["gamma"]);
    expect((await api("/pipelines?q=%25", { as: s })).json.items).toEqual([]);
    const first = await api("/pipelines?limit=2", { as: s });
    expect(first.json.items.map((p: any) => p.name)).toEqual(["alpha", "beta"]);
    const second = await api(`/pipelines?limit=2&cursor=${first.json.next_cursor}`, { as: s });
    expect(second.json.items.map((p: any) => p.name)).toEqual(["gamma", "ledger"]);
    expect(second.json.next_cursor).toBeNull();
  });
});

describe("next run and latest runs", () => {
  it("a scheduled pipeline says when it runs next (in its timezone); unscheduled, paused and archived ones do not", async () => {
    const s = await signup();
    const team = await teamOf(s);
    const cron = "30 6 * * 1-5";
    await push(s, specYaml("scheduled", team.slug, { cron }));
    await push(s, specYaml("on_demand", team.slug).replace(/^schedule:.*\n/m, ""));

    const before = Date.now();
    const list = await api("/pipelines", { as: s });
    const after = Date.now();
    const byName = Object.fromEntries(list.json.items.map((p: any) => [p.name, p]));
    const next = Date.parse(byName.scheduled.next_run_at);
    // The first slot after the moment the server answered, which lies between before and after.
    expect(next).toBeGreaterThanOrEqual(nextSlot(cron, "Europe/London", before)!);
    expect(next).toBeLessThanOrEqual(nextSlot(cron, "Europe/London", after)!);
    const london = new Intl.DateTimeFormat("en-GB", { timeZone: "Europe/London", hour: "2-digit", minute: "2-digit", weekday: "short" }).format(next);
    expect(london).toMatch(/^(Mon|Tue|Wed|Thu|Fri) 06:30$/);
    expect(byName.on_demand.next_run_at).toBeNull();
    expect((await api("/pipelines/scheduled", { as: s })).json.next_run_at).toBe(byName.scheduled.next_run_at);

    await api("/pipelines/scheduled/pause", { method: "POST", as: s });
    expect((await api("/pipelines/scheduled", { as: s })).json.next_run_at).toBeNull();
    await api("/pipelines/scheduled/resume", { method: "POST", as: s });
    expect((await api("/pipelines/scheduled", { as: s })).json.next_run_at).not.toBeNull();
    await api("/pipelines/scheduled", { method: "DELETE", as: s });
    const archived = await api("/pipelines?include_archived=true", { as: s });
    expect(archived.json.items.find((p: any) => p.name === "scheduled").next_run_at).toBeNull();
  });

  it("lists carry each pipeline's latest runs, newest first, at most ten, and only its own", async () => {
    const { s, team } = await setupTenant();
    await pushPipeline(s, { name: "busy", team: team.slug, concurrency: { max_runs: 20 }, tasks: [toolTask("only")] });
    await pushPipeline(s, { name: "quiet", team: team.slug, tasks: [toolTask("only")] });
    const started: string[] = [];
    for (let i = 0; i < 11; i++) {
      const res = await api("/pipelines/busy/runs", { as: s, body: {} });
      expect(res.status).toBe(201);
      started.push(res.json.id);
    }
    await waitForRun(s, started[10], isTerminal);

    const list = await api("/pipelines", { as: s });
    const byName = Object.fromEntries(list.json.items.map((p: any) => [p.name, p]));
    expect(byName.quiet.recent_runs).toEqual([]);
    const recent = byName.busy.recent_runs as Array<{ id: string; status: string; queued_at: string; finished_at: string | null }>;
    expect(recent.map((r) => r.id)).toEqual(started.slice(1).reverse());
    expect(recent[0]).toMatchObject({ id: started[10], status: "succeeded" });
    expect(recent[0].finished_at).not.toBeNull();
    const detail = await api("/pipelines/busy", { as: s });
    expect(detail.json.recent_runs.map((r: { id: string }) => r.id)).toEqual(recent.map((r) => r.id));
  });
});

describe("who may push", () => {
  it("a member cannot push for a team they are not in; a team token only for its team; scopes are enforced", async () => {
    const owner = await signup();
    const home = await teamOf(owner);
    const finance = await createTeam(owner, "Finance");
    const member = await addMember(owner, "member", { teamId: home.id });
    expectError(await push(member, specYaml("fin", finance.slug)), 403, "forbidden");
    expect((await push(member, specYaml("mine", home.slug))).status).toBe(201);

    const token = await createToken(owner, home.id, ["read", "pipelines:write"]);
    expectError(await push(token.token, specYaml("fin", finance.slug)), 403, "forbidden");
    expect((await push(token.token, specYaml("ci_pushed", home.slug))).status).toBe(201);
    expect((await api("/pipelines/ci_pushed/versions", { as: token.token })).json.items[0].created_by.type).toBe("token");

    const readOnly = await createToken(owner, home.id, ["read"]);
    expectError(await push(readOnly.token, specYaml("ro", home.slug)), 403, "forbidden");
    expectError(await api("/pipelines/mine/pause", { method: "POST", as: readOnly.token }), 403, "forbidden");
    expect((await api("/pipelines/mine", { as: readOnly.token })).status).toBe(200);

    const viewer = await addMember(owner, "viewer");
    expectError(await push(viewer, specYaml("v", home.slug)), 403, "forbidden");
    expect((await api("/pipelines", { as: viewer })).status).toBe(200);
  });

  it("a name owned by another team is a conflict; its pause/archive need that team", async () => {
    const owner = await signup();
    const home = await teamOf(owner);
    const finance = await createTeam(owner, "Finance");
    await push(owner, specYaml("shared_name", home.slug));
    const clash = await push(owner, specYaml("shared_name", finance.slug));
    expectError(clash, 409, "conflict");
    expect(paths(clash)).toEqual(["name"]);

    const financeToken = await createToken(owner, finance.id, ["read", "pipelines:write"]);
    expectError(await api("/pipelines/shared_name/pause", { method: "POST", as: financeToken.token }), 403, "forbidden");
    expectError(await api("/pipelines/shared_name", { method: "DELETE", as: financeToken.token }), 403, "forbidden");
  });
});

describe("isolation and the public schema", () => {
  it("pipeline names are per tenant: another tenant gets 404 for the name and pushing it creates its own", async () => {
    const a = await signup();
    const b = await signup();
    const aTeam = await teamOf(a);
    const bTeam = await teamOf(b);
    const name = `iso-${a.tenant.slug}`.slice(0, 60);
    const created = await push(a, specYaml(name, aTeam.slug));
    expect(created.status).toBe(201);
    const bToken = await createToken(b, bTeam.id);
    // Every route by name answers 404 to another tenant (test/integration/isolation-reads.test.ts sweeps them); lists too.
    for (const as of [b, bToken.token]) {
      expectError(await api(`/pipelines/${name}`, { as }), 404, "not_found");
      expect((await api("/pipelines?include_archived=true", { as })).text).not.toContain(created.json.pipeline.id);
    }
    expect((await api("/pipelines", { as: a })).text).toContain(created.json.pipeline.id);
    // Tenant B pushing the same name gets its own pipeline; names are per tenant.
    expect((await push(b, specYaml(name, bTeam.slug))).status).toBe(201);
    expect((await api(`/pipelines/${name}`, { as: a })).json.id).toBe(created.json.pipeline.id);
  });

  it("GET /pipelines/schema.json is public and knows the http connector", async () => {
    const res = await api("/pipelines/schema.json");
    expect(res.status).toBe(200);
    expect(res.json.properties.tasks.items.properties.connector.enum).toContain("http");
    const httpRule = res.json.properties.tasks.items.allOf.find((r: any) => r.if.properties.connector.const === "http");
    expect(httpRule.then.properties.with.required).toContain("url");
  });

  it("the OpenAPI document describes the pipeline routes", () => {
    const doc = (router: typeof pipelineRoutes) => router.getOpenAPI31Document({ openapi: "3.1.0", info: { title: "t", version: "1" } });
    expect(Object.keys(doc(pipelineRoutes).paths ?? {})).toEqual(
      expect.arrayContaining([
        "/pipelines",
        "/pipelines/{name}",
        "/pipelines/{name}/versions",
        "/pipelines/{name}/versions/{n}",
        "/pipelines/{name}/versions/{n}/diff",
        "/pipelines/{name}/pause",
        "/pipelines/{name}/resume",
      ]),
    );
    expect(Object.keys(doc(pipelinePublicRoutes).paths ?? {})).toEqual(["/pipelines/schema.json"]);
  });
});
