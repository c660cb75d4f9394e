import { describe, expect, it } from "vitest";
import { api, expectError, type Session } from "../helpers/api";
import { isTerminal, taskStatus, waitForRun } from "../helpers/engine";
import { fakeToolRequests, pushPipeline, setupTenant, toolTask } from "../helpers/pipelines";
import { drain } from "../helpers/wait";

/** A task on the fake job API that reports `outputs` read from its answer (`$.rows`, `$.id`). */
function extractTask(job: Record<string, unknown>) {
  const t = toolTask("extract", job);
  return { ...t, with: { ...t.with, outputs: { rows: "$.rows", job_id: "$.id" } } };
}

async function start(s: Session, name: string) {
  const res = await api(`/pipelines/${name}/runs`, { as: s, body: {} });
  if (res.status !== 201) throw new Error(`start ${name}: ${res.status} ${res.text}`);
  return res.json as { id: string };
}

type TaskView = { key: string; status: string; reason: string | null; error: { message: string } | null; outputs: Record<string, unknown> | null };
const taskOf = (run: { tasks: unknown[] }, key: string) => (run.tasks as TaskView[]).find((t) => t.key === key)!;

/** The job bodies the fake received for one task of one run (toolTask keys them `<run>-<task>`). */
async function bodiesFor(runId: string, task: string) {
  return (await fakeToolRequests())
    .filter((r) => r.method === "POST" && r.path === "/jobs")
    .map((r) => JSON.parse(r.body) as Record<string, unknown>)
    .filter((b) => b.key === `${runId}-${task}`);
}

describe("task outputs, templates and run_if expressions, end to end through the engine and the fake tool", () => {
  it("an upstream task's outputs are shown on the run and flow into the downstream task's request", async () => {
    const { s, team } = await setupTenant();
    await pushPipeline(s, {
      name: "outputs_flow",
      team: team.slug,
      params: { target: "analytics" },
      tasks: [
        extractTask({ rows: 42 }),
        toolTask(
          "load",
          { source_job: "${{ tasks.extract.outputs.job_id }}", note: "rows=${{ tasks.extract.outputs.rows }} into ${{ params.target }}" },
          { depends_on: ["extract"], run_if: "tasks.extract.status == 'succeeded' && tasks.extract.outputs.rows > 0" },
        ),
      ],
    });
    const run = await start(s, "outputs_flow");
    const done = await waitForRun(s, run.id, isTerminal);
    expect(taskStatus(done)).toEqual({ extract: "succeeded", load: "succeeded" });
    const extract = taskOf(done, "extract");
    expect(extract.outputs).toEqual({ status_code: 201, rows: 42, job_id: expect.stringMatching(/^job_/) });
    // The attempt keeps its outputs too.
    expect((extract as unknown as { attempts: Array<{ outputs: unknown }> }).attempts[0].outputs).toEqual(extract.outputs);
    const [body] = await bodiesFor(run.id, "load");
    expect(body).toMatchObject({ source_job: extract.outputs!.job_id, note: "rows=42 into analytics" });
  });

  it("run_if over an output skips the task when the upstream synced no rows, and says why", async () => {
    const { s, team } = await setupTenant();
    await pushPipeline(s, {
      name: "outputs_skip",
      team: team.slug,
      tasks: [extractTask({ rows: 0 }), toolTask("load", {}, { depends_on: ["extract"], run_if: "tasks.extract.outputs.rows > 0" })],
    });
    const run = await start(s, "outputs_skip");
    const done = await waitForRun(s, run.id, isTerminal);
    await drain();
    expect(done.status).toBe("succeeded");
    expect(taskStatus(done)).toEqual({ extract: "succeeded", load: "skipped" });
    expect(taskOf(done, "load").reason).toBe("run_if is false: tasks.extract.outputs.rows > 0 (tasks.extract.outputs.rows = 0)");
    expect(await bodiesFor(run.id, "load")).toEqual([]);
  });

  it("a template whose output the upstream did not report fails the task without calling the tool", async () => {
    const { s, team } = await setupTenant();
    await pushPipeline(s, {
      name: "outputs_missing",
      team: team.slug,
      // No `rows` in the job body: the fake's answer has none, so the output is not reported.
      tasks: [extractTask({}), toolTask("load", { rows_in: "${{ tasks.extract.outputs.rows }}" }, { depends_on: ["extract"] })],
    });
    const run = await start(s, "outputs_missing");
    const done = await waitForRun(s, run.id, isTerminal);
    await drain();
    expect(done.status).toBe("failed");
    expect(taskOf(done, "extract").outputs).toEqual({ status_code: 201, job_id: expect.stringMatching(/^job_/) });
    const load = taskOf(done, "load");
    expect(load.status).toBe("failed");
    expect(load.error?.message).toBe('${{ tasks.extract.outputs.rows }} has no value: task extract reported no output "rows"');
    expect(await bodiesFor(run.id, "load")).toEqual([]);
  });

  it("a run_if keyword still works beside expressions: all_done runs after a failure", async () => {
    const { s, team } = await setupTenant();
    await pushPipeline(s, {
      name: "outputs_keywords",
      team: team.slug,
      tasks: [
        toolTask("extract", { outcome: "failed" }, { poll_interval: "1s" }),
        toolTask("cleanup", {}, { depends_on: ["extract"], run_if: "all_done" }),
        toolTask("fallback", {}, { depends_on: ["extract"], run_if: "tasks.extract.status == 'failed'" }),
      ],
    });
    const run = await start(s, "outputs_keywords");
    const done = await waitForRun(s, run.id, (r) => r.tasks.every((t) => ["succeeded", "failed", "skipped"].includes(t.status)));
    expect(taskStatus(done)).toEqual({ extract: "failed", cleanup: "succeeded", fallback: "succeeded" });
  });
});

describe("push refuses references and run_if expressions that cannot work, naming the field", () => {
  const base = (team: string, load: Record<string, unknown>, more: Record<string, unknown>[] = []) => ({
    name: "refs_bad",
    team,
    params: { target: "analytics" },
    tasks: [extractTask({ rows: 1 }), toolTask("other", {}), ...more, { ...toolTask("load", {}), depends_on: ["extract"], ...load }],
  });
  const push = (s: Session, spec: Record<string, unknown>) => api("/pipelines", { as: s, body: { spec_text: JSON.stringify(spec), format: "json" } });
  const withBody = (body: Record<string, unknown>) => ({ with: { ...toolTask("load", {}).with, body } });

  it.each([
    ["an unknown task", withBody({ x: "${{ tasks.nope.outputs.rows }}" }), "tasks[2].with.body.x", 'no task with id "nope"'],
    [
      "a task that is not upstream",
      withBody({ x: "${{ tasks.other.outputs.status_code }}" }),
      "tasks[2].with.body.x",
      'task "other" is not upstream of "load"',
    ],
    [
      "an output the connector does not declare",
      withBody({ x: "${{ tasks.extract.outputs.rowz }}" }),
      "tasks[2].with.body.x",
      'task "extract" has no output "rowz"',
    ],
    ["an undeclared param", withBody({ x: "${{ params.nope }}" }), "tasks[2].with.body.x", 'no param "nope"'],
    ["something that is not a reference", withBody({ x: "${{ secrets.token }}" }), "tasks[2].with.body.x", "is not a reference"],
    ["a run_if that does not parse", { run_if: "tasks.extract.outputs.rows >" }, "tasks[2].run_if", "Unexpected token"],
    ["a run_if naming an undeclared output", { run_if: "tasks.extract.outputs.rowz > 0" }, "tasks[2].run_if", "No such key: rowz"],
    ["a run_if naming a task that is not upstream", { run_if: "tasks.other.status == 'succeeded'" }, "tasks[2].run_if", "upstream tasks: extract"],
    [
      "a run_if comparing with a status that does not exist",
      { run_if: "tasks.extract.status == 'success'" },
      "tasks[2].run_if",
      '"success" is not a task status',
    ],
    ["a run_if that is not true or false", { run_if: "tasks.extract.outputs.rows + 1" }, "tasks[2].run_if", "must be true or false"],
  ])("%s → 400 at the field", async (_name, load, path, message) => {
    const { s, team } = await setupTenant();
    const res = await push(s, base(team.slug, load));
    expectError(res, 400, "validation_failed");
    const detail = res.json.error.details.find((d: { path: string }) => d.path === path);
    expect(detail?.message, JSON.stringify(res.json.error.details)).toContain(message);
  });

  it("a reference to a task upstream through another task is accepted", async () => {
    const { s, team } = await setupTenant();
    const spec = base(
      team.slug,
      {
        depends_on: ["middle"],
        run_if: "tasks.extract.outputs.rows > 0 && tasks.middle.status == 'succeeded'",
        ...withBody({ x: "${{ tasks.extract.outputs.job_id }}" }),
      },
      [{ ...toolTask("middle", {}), depends_on: ["extract"] }],
    );
    const res = await push(s, spec);
    expect(res.status, res.text).toBe(201);
  });
});
