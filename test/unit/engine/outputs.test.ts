import { describe, expect, it } from "vitest";
import { boundOutputs } from "../../../worker/connectors/outputs";
import { evaluateRunIf, runIfProblem, valuesRead } from "../../../worker/engine/run-if";
import { resolveTemplates, templateRefs, type TemplateScope } from "../../../worker/engine/templates";
import { Harness, task } from "./helpers";

const scope = (outputs: Record<string, Record<string, unknown> | null>, params: Record<string, unknown> = {}): TemplateScope => ({
  outputs: (k) => outputs[k] ?? null,
  status: (k) => (k in outputs ? (outputs[k] ? "succeeded" : "failed") : undefined),
  params,
});

describe("template resolution", () => {
  it("replaces every reference inside strings of nested objects and lists, as text", () => {
    const r = resolveTemplates(
      { model: "${{ tasks.extract.outputs.table }}", args: ["--rows=${{tasks.extract.outputs.rows}}", 3], flag: true, meta: { full: "${{ params.full }}" } },
      scope({ extract: { table: "raw.orders", rows: 42 } }, { full: false }),
    );
    expect(r).toEqual({ ok: true, value: { model: "raw.orders", args: ["--rows=42", 3], flag: true, meta: { full: "false" } } });
  });

  it("renders lists and maps as JSON", () => {
    expect(resolveTemplates("${{ tasks.q.outputs.ids }}", scope({ q: { ids: ["a", "b"] } }))).toEqual({ ok: true, value: '["a","b"]' });
  });

  it("names the field and the reference when a value is missing, never the values", () => {
    expect(resolveTemplates({ body: { x: "${{ tasks.extract.outputs.rows }}" } }, scope({ extract: { other: "secret-ish" } }))).toEqual({
      ok: false,
      path: ["body", "x"],
      message: '${{ tasks.extract.outputs.rows }}: task extract reported no output "rows"',
    });
    const failed = resolveTemplates("${{ tasks.extract.outputs.rows }}", scope({ extract: null }));
    expect(failed).toMatchObject({ ok: false, message: expect.stringContaining("task extract failed, so it has no outputs") });
    expect(resolveTemplates("${{ params.nope }}", scope({}))).toMatchObject({ ok: false, message: expect.stringContaining('no param "nope"') });
  });

  it("leaves the connector's own {{ }} placeholders alone", () => {
    expect(resolveTemplates("/jobs/{{external_id}}", scope({}))).toEqual({ ok: true, value: "/jobs/{{external_id}}" });
  });

  it("collects the distinct references of a with, once each", () => {
    expect(templateRefs({ a: "${{ tasks.x.outputs.y }}", b: ["${{ tasks.x.outputs.y }} ${{ params.p }}"] })).toEqual([
      { kind: "output", task: "x", output: "y" },
      { kind: "param", name: "p" },
    ]);
  });
});

describe("run_if expressions", () => {
  const upstream = { extract: { outputs: { rows: { type: "int" as const, description: "" }, job_id: { type: "string" as const, description: "" } } } };

  it("type-checks at push against upstream tasks, their declared outputs and the params", () => {
    expect(runIfProblem("tasks.extract.status == 'succeeded' && tasks.extract.outputs.rows > 0", upstream, {})).toBeNull();
    expect(runIfProblem("params.full && tasks.extract.outputs.job_id != ''", upstream, { full: true })).toBeNull();
    expect(runIfProblem("tasks.extract.outputs.rowz > 0", upstream, {})).toMatch(/^No such key: rowz/);
    expect(runIfProblem("tasks.load.status == 'failed'", upstream, {})).toMatch(/upstream tasks: extract/);
    expect(runIfProblem("tasks.extract.outputs.rows > 'x'", upstream, {})).toMatch(/^no such overload: int > string/);
    expect(runIfProblem("tasks.extract.outputs.rows", upstream, {})).toBe("must be true or false, but gives int");
    expect(runIfProblem("tasks.extract.status != 'success'", upstream, {})).toMatch(/"success" is not a task status/);
    expect(runIfProblem("1 +", upstream, {})).toMatch(/Unexpected token/);
  });

  it("evaluates over statuses, outputs (whole numbers as CEL ints) and params", () => {
    const tasks = { extract: { status: "succeeded", outputs: { rows: 0, job_id: "j1" } } };
    expect(evaluateRunIf("tasks.extract.outputs.rows > 0", tasks, {})).toEqual({ ok: true, value: false });
    expect(evaluateRunIf("tasks.extract.outputs.rows == 0 && params.force", tasks, { force: true })).toEqual({ ok: true, value: true });
    expect(evaluateRunIf("tasks.extract.status == 'failed' || tasks.extract.outputs.rows > 0", { extract: { status: "failed", outputs: null } }, {})).toEqual({
      ok: true,
      value: true,
    });
  });

  it("reports an output that is missing at run time instead of guessing", () => {
    expect(evaluateRunIf("tasks.extract.outputs.rows > 0", { extract: { status: "succeeded", outputs: null } }, {})).toEqual({
      ok: false,
      message: "No such key: rows",
    });
  });

  it("lists the values an expression read, for the skip reason", () => {
    const tasks = { extract: { status: "succeeded", outputs: { rows: 0 } } };
    expect(valuesRead("tasks.extract.status == 'succeeded' && tasks.extract.outputs.rows > 0", tasks, {})).toBe(
      'tasks.extract.status = "succeeded", tasks.extract.outputs.rows = 0',
    );
  });
});

describe("the transition with outputs and expressions", () => {
  it("keeps a succeeded attempt's outputs and skips a task whose run_if is false, with the reason", () => {
    const h = new Harness([task("extract"), task("load", { dependsOn: ["extract"], runIf: "tasks.extract.outputs.rows > 0" })]);
    h.send({ type: "run.start" });
    h.ok("extract", { output: { rows: 0 } } as never);
    expect(h.state.tasks.extract.outputs).toEqual({ rows: 0 });
    expect(h.status()).toEqual({ extract: "succeeded", load: "skipped" });
    expect(h.state.tasks.load.reason).toBe("run_if is false: tasks.extract.outputs.rows > 0 (tasks.extract.outputs.rows = 0)");
    expect(h.state.status).toBe("succeeded");
  });

  it("sees every upstream task, not only direct dependencies", () => {
    const h = new Harness([
      task("extract"),
      task("middle", { dependsOn: ["extract"] }),
      task("load", { dependsOn: ["middle"], runIf: "tasks.extract.outputs.rows > 0" }),
    ]);
    h.send({ type: "run.start" });
    h.ok("extract", { output: { rows: 5 } } as never);
    h.ok("middle");
    expect(h.dispatched()).toEqual(["extract#1", "middle#1", "load#1"]);
  });

  it("fails, without dispatching, a task whose reference has no value or whose run_if cannot be decided", () => {
    const h = new Harness([
      task("extract"),
      task("load", { dependsOn: ["extract"], inputs: [{ kind: "output", task: "extract", output: "rows" }] }),
      task("check", { dependsOn: ["extract"], runIf: "tasks.extract.outputs.rows > 0" }),
    ]);
    h.send({ type: "run.start" });
    h.ok("extract");
    expect(h.status()).toEqual({ extract: "succeeded", load: "failed", check: "failed" });
    expect(h.state.tasks.load.error).toEqual({
      kind: "invalid_config",
      message: '${{ tasks.extract.outputs.rows }} has no value: task extract reported no output "rows"',
    });
    expect(h.state.tasks.check.error?.message).toBe("run_if could not be evaluated: No such key: rows");
    expect(h.dispatched()).toEqual(["extract#1"]);
    expect(h.state.status).toBe("failed");
  });
});

describe("bounding what a connector reports", () => {
  const declared = {
    rows: { type: "int" as const, description: "" },
    note: { type: "dyn" as const, description: "" },
    big: { type: "dyn" as const, description: "" },
  };

  it("keeps declared names only, drops unreported values, turns int strings into numbers and cleans credentials", () => {
    const { outputs, dropped } = boundOutputs({ rows: "123", note: "token abc123 used", stray: 1, big: null }, declared, (t) =>
      t.replaceAll("abc123", "[redacted]"),
    );
    expect(outputs).toEqual({ rows: 123, note: "token [redacted] used" });
    expect(dropped).toEqual([]);
  });

  it("leaves out a value over 4 KiB and names it", () => {
    const { outputs, dropped } = boundOutputs({ rows: 1, big: "x".repeat(5000) }, declared, (t) => t);
    expect(outputs).toEqual({ rows: 1 });
    expect(dropped).toEqual(["big"]);
  });
});
