import { describe, expect, it } from "vitest";
import { api, expectError, signup, type Session } from "../helpers/api";
import { engineTimers, isTerminal, waitForRun } from "../helpers/engine";
import { createToolConnection, pushPipeline, toolTask } from "../helpers/pipelines";
import { drain } from "../helpers/wait";

async function tenantWithTwoConnections() {
  const s = await signup();
  const team = (await api("/me", { as: s })).json.teams[0] as { id: string; slug: string };
  const prod = await createToolConnection(s, team.id, "tool_prod");
  const ci = await createToolConnection(s, team.id, "tool_ci");
  return { s, team, prod, ci };
}

const putEnv = (s: Session, teamId: string, name: string, bindings: Record<string, string>) =>
  api(`/teams/${teamId}/environments/${name}`, { as: s, method: "PUT", body: { bindings } });

/** The connection each task attempt of `runId` used, from the `connection.used` audit entries. */
async function connectionsUsed(s: Session, runId: string): Promise<string[]> {
  const res = await api(`/audit-log?action=connection.used&limit=100`, { as: s });
  return (res.json.items as Array<{ details: { run_id: string; name: string } }>).filter((e) => e.details.run_id === runId).map((e) => e.details.name);
}

const spec = (team: string, name: string, extra: Record<string, unknown> = {}) => ({
  name,
  team,
  tasks: [{ ...toolTask("load"), connection: "tool" }],
  ...extra,
});

describe("environments and connection bindings", () => {
  it("lists an implicit prod and declared environments; bindings must name the team's connections", async () => {
    const { s, team } = await tenantWithTwoConnections();
    const listed = await api(`/teams/${team.id}/environments`, { as: s });
    expect(listed.json.items).toEqual([expect.objectContaining({ name: "prod", production: true, declared: false, bindings: {} })]);

    const bad = await putEnv(s, team.id, "ci", { tool: "missing" });
    expectError(bad, 400, "validation_failed");
    expect(bad.json.error.details[0].path).toBe("bindings.tool");
    expectError(await putEnv(s, team.id, "Bad Name", {}), 400, "validation_failed");

    expect((await putEnv(s, team.id, "ci", { tool: "tool_ci" })).status).toBe(201);
    expect((await putEnv(s, team.id, "prod", { tool: "tool_prod" })).status).toBe(201);
    expect((await putEnv(s, team.id, "ci", { tool: "tool_ci" })).status).toBe(200);
    const after = await api(`/teams/${team.id}/environments`, { as: s });
    expect(after.json.items.map((e: { name: string; bindings: unknown }) => [e.name, e.bindings])).toEqual([
      ["ci", { tool: "tool_ci" }],
      ["prod", { tool: "tool_prod" }],
    ]);
  });

  it("the same spec runs against the prod connection in prod and the ci connection in ci", async () => {
    const { s, team } = await tenantWithTwoConnections();
    await putEnv(s, team.id, "prod", { tool: "tool_prod" });
    await putEnv(s, team.id, "ci", { tool: "tool_ci" });
    await pushPipeline(s, spec(team.slug, "bound_pipeline"));

    const prodRun = (await api("/pipelines/bound_pipeline/runs", { as: s, body: {} })).json;
    const ciRun = (
      await api("/pipelines/bound_pipeline/runs", { as: s, body: { environment: "ci", ci: { pr_number: 42, commit_sha: "abc1234", branch: "feature/x" } } })
    ).json;
    expect(ciRun).toMatchObject({ environment: "ci", ci: { pr_number: 42, commit_sha: "abc1234", branch: "feature/x", repo: null, url: null } });
    expect(prodRun).toMatchObject({ environment: "prod", ci: null });
    const [prodDone, ciDone] = [await waitForRun(s, prodRun.id, isTerminal), await waitForRun(s, ciRun.id, isTerminal)];
    expect([prodDone.status, ciDone.status]).toEqual(["succeeded", "succeeded"]);
    // The audit entries are written beside the tool call, in the background.
    await drain();
    expect(await connectionsUsed(s, prodRun.id)).toEqual(["tool_prod"]);
    expect(await connectionsUsed(s, ciRun.id)).toEqual(["tool_ci"]);

    // CI runs are their own history: filtered by environment, kept out of the pipeline's recent (production) runs.
    const ciList = await api("/runs?environment=ci", { as: s });
    expect(ciList.json.items.map((r: { id: string }) => r.id)).toEqual([ciRun.id]);
    const pipeline = await api("/pipelines/bound_pipeline", { as: s });
    expect(pipeline.json.recent_runs.map((r: { id: string }) => r.id)).toEqual([prodRun.id]);
  });

  it("pushes and runs need the environment to be declared; an unbound name resolves to itself", async () => {
    const { s, team } = await tenantWithTwoConnections();
    const res = await api("/pipelines", { as: s, body: { spec_text: JSON.stringify(spec(team.slug, "needs_env")), environment: "ci" } });
    expectError(res, 400, "validation_failed");
    expect(res.json.error.details[0].path).toBe("environment");

    // `tool` has no binding and no connection of that name: the push names the binding gap.
    await putEnv(s, team.id, "ci", { other: "tool_ci" });
    const unbound = await api("/pipelines", { as: s, body: { spec_text: JSON.stringify(spec(team.slug, "needs_env")), environment: "ci" } });
    expectError(unbound, 400, "validation_failed");
    expect(unbound.json.error.details).toEqual([
      { path: "tasks[0].connection", message: `team "${team.slug}" has no connection named "tool"`, line: 1, column: expect.any(Number) },
    ]);

    await pushPipeline(s, { ...spec(team.slug, "plain"), tasks: [{ ...toolTask("load"), connection: "tool_prod" }] });
    const run = await api("/pipelines/plain/runs", { as: s, body: { environment: "dev" } });
    expectError(run, 400, "validation_failed");
    const ciRun = (await api("/pipelines/plain/runs", { as: s, body: { environment: "ci" } })).json;
    await waitForRun(s, ciRun.id, isTerminal);
    await drain();
    expect(await connectionsUsed(s, ciRun.id)).toEqual(["tool_prod"]);
  });
});

describe("branch pushes", () => {
  it("a push to ci adds a version for ci only and never changes what production runs", async () => {
    const { s, team } = await tenantWithTwoConnections();
    await putEnv(s, team.id, "prod", { tool: "tool_prod" });
    await putEnv(s, team.id, "ci", { tool: "tool_ci" });
    const prodSpec = spec(team.slug, "orders", { schedule: { cron: "0 6 * * *", timezone: "UTC" } });
    const v1 = await pushPipeline(s, prodSpec);
    const timersBefore = (await engineTimers(s.tenant.id)).filter((t) => t.key.startsWith("cron:"));

    const branchSpec = {
      ...prodSpec,
      schedule: { cron: "*/5 * * * *", timezone: "UTC" },
      tasks: [...prodSpec.tasks, toolTask("extra", {}, { depends_on: ["load"], connection: "tool" })],
    };
    const source = { git_repo: "acme/orders", git_sha: "deadbeef1", git_branch: "feature/extra", git_author: "dev" };
    const dry = await api("/pipelines?dry_run=true", { as: s, body: { spec_text: JSON.stringify(branchSpec), environment: "ci", source } });
    expect(dry.json).toMatchObject({
      status: "updated",
      environment: "ci",
      dry_run: true,
      version: { id: null, number: 2 },
      diff: { tasks_added: ["extra"], schedule_changed: true },
    });

    const pushed = await api("/pipelines", { as: s, body: { spec_text: JSON.stringify(branchSpec), environment: "ci", source } });
    expect(pushed.status).toBe(200);
    expect(pushed.json).toMatchObject({ status: "updated", environment: "ci", version: { number: 2 }, diff: { tasks_added: ["extra"] } });

    // Production: same version, schedule and timers; a production run pins version 1.
    const detail = (await api("/pipelines/orders", { as: s })).json;
    expect(detail).toMatchObject({ current_version: { id: v1.version.id, number: 1 }, schedule: { cron: "0 6 * * *" }, in_production: true });
    expect(detail.spec.tasks.map((t: { id: string }) => t.id)).toEqual(["load"]);
    expect(detail.environments).toEqual([
      expect.objectContaining({
        environment: "ci",
        version: expect.objectContaining({ number: 2 }),
        source: expect.objectContaining({ git_branch: "feature/extra" }),
      }),
    ]);
    expect((await engineTimers(s.tenant.id)).filter((t) => t.key.startsWith("cron:"))).toEqual(timersBefore);
    const prodRun = (await api("/pipelines/orders/runs", { as: s, body: {} })).json;
    expect(prodRun).toMatchObject({ version: 1, environment: "prod" });
    expect(prodRun.tasks.map((t: { key: string }) => t.key)).toEqual(["load"]);

    // CI runs the branch version.
    const ciRun = (await api("/pipelines/orders/runs", { as: s, body: { environment: "ci" } })).json;
    expect(ciRun).toMatchObject({ version: 2, environment: "ci" });
    expect(ciRun.tasks.map((t: { key: string }) => t.key).sort()).toEqual(["extra", "load"]);

    const versions = (await api("/pipelines/orders/versions", { as: s })).json.items;
    expect(versions.map((v: { number: number; environment: string }) => [v.number, v.environment])).toEqual([
      [2, "ci"],
      [1, "prod"],
    ]);

    // The merge pushes the same spec to prod: version 3 in prod, and ci follows production again.
    const merged = await api("/pipelines", { as: s, body: { spec_text: JSON.stringify(branchSpec), source: { ...source, git_branch: "main" } } });
    expect(merged.json).toMatchObject({ status: "updated", environment: "prod", version: { number: 3 } });
    expect((await api("/pipelines/orders", { as: s })).json.environments).toEqual([]);
  });

  it("a pipeline first pushed from a branch does not exist for production", async () => {
    const { s, team } = await tenantWithTwoConnections();
    await putEnv(s, team.id, "prod", { tool: "tool_prod" });
    await putEnv(s, team.id, "ci", { tool: "tool_ci" });
    const branchOnly = spec(team.slug, "new_from_branch", { schedule: { cron: "*/5 * * * *", timezone: "UTC" } });
    const pushed = await api("/pipelines", { as: s, body: { spec_text: JSON.stringify(branchOnly), environment: "ci" } });
    expect(pushed.status).toBe(201);
    expect(pushed.json).toMatchObject({ status: "created", environment: "ci", pipeline: { in_production: false, schedule: null }, version: { number: 1 } });
    expect((await engineTimers(s.tenant.id)).filter((t) => t.key.startsWith("cron:"))).toEqual([]);
    expectError(await api("/pipelines/new_from_branch/runs", { as: s, body: {} }), 404, "not_found");
    const ciRun = (await api("/pipelines/new_from_branch/runs", { as: s, body: { environment: "ci" } })).json;
    expect(ciRun).toMatchObject({ environment: "ci", version: 1 });
    await waitForRun(s, ciRun.id, isTerminal);

    // Pushing it to prod (the merge) creates it there and schedules it.
    const merged = await api("/pipelines", { as: s, body: { spec_text: JSON.stringify(branchOnly) } });
    expect(merged.json).toMatchObject({
      status: "created",
      environment: "prod",
      pipeline: { in_production: true, schedule: { cron: "*/5 * * * *" } },
      version: { number: 2 },
    });
    expect((await engineTimers(s.tenant.id)).filter((t) => t.key.startsWith("cron:"))).toHaveLength(1);
  });
});
