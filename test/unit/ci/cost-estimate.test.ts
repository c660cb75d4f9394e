import { describe, expect, it } from "vitest";
import { estimateCostChange, type ModelCostStats } from "../../../worker/ci/cost-estimate";
import type { ManifestDiff } from "../../../worker/ci/manifest-diff";

const $ = (dollars: number) => Math.round(dollars * 1e6);
const model = (uniqueId: string, materialized: string | null, builds: number, dollars: number): ModelCostStats => ({
  uniqueId,
  materialized,
  builds,
  costMicros: $(dollars),
});
const node = (id: string, extra: { materialized?: string } = {}) => ({ unique_id: `model.p.${id}`, resource_type: "model", name: id, ...extra });
const modified = (id: string, materialized: string, changes: Array<"body" | "config">) => ({
  ...node(id, { materialized }),
  changes,
  breaking_contract: false,
});
const changes = (c: Partial<ManifestDiff>): ManifestDiff => ({ modified: [], added: [], removed: [], ...c });

// Production: 30 invocations in 30 days; tables cost 1, 2 and 4 dollars a build, views next to nothing.
const models = [
  model("model.p.t1", "table", 30, 30),
  model("model.p.t2", "table", 30, 60),
  model("model.p.t3", "table", 15, 60),
  model("model.p.v1", "view", 30, 0.3),
  model("model.p.never", "table", 0, 0),
];
const base = { windowDays: 30, projectBuilds: 30, models };

describe("the CI cost estimate", () => {
  it("a deleted model saves its measured cost per build times its builds a month", () => {
    const r = estimateCostChange({ ...base, changes: changes({ removed: [node("t3")] }) });
    expect(r.estimates).toEqual([
      expect.objectContaining({ change: "deleted", basis: "measured", cost_per_build_micros: $(4), builds_per_month: 15, monthly_change_micros: -$(60) }),
    ]);
    expect(r.monthly_change_micros).toBe(-$(60));
  });

  it("a new model costs the median per build of its materialization, built as often as the project", () => {
    const r = estimateCostChange({ ...base, changes: changes({ added: [node("fresh", { materialized: "table" })] }) });
    // Median of 1, 2 and 4 dollars a build (the never-built table has no figure) × 30 builds a month.
    expect(r.estimates[0]).toMatchObject({ change: "new", basis: "median", cost_per_build_micros: $(2), builds_per_month: 30, monthly_change_micros: $(60) });
    expect(r.estimates[0].basis_note).toBe("median of 3 table models × the project's 30 production build(s) a month");
  });

  it("a new model of a materialization with no history, or none sent, takes the median of all built models and says so", () => {
    const r = estimateCostChange({ ...base, changes: changes({ added: [node("inc", { materialized: "incremental" }), node("old_client")] }) });
    // Median of 0.01, 1, 2 and 4 → 1.5 dollars a build.
    expect(r.estimates.map((e) => [e.cost_per_build_micros, e.basis_note])).toEqual([
      [$(1.5), "median of 4 models (no incremental model has history) × the project's 30 production build(s) a month"],
      [$(1.5), "median of 4 models (materialization not sent) × the project's 30 production build(s) a month"],
    ]);
  });

  it("a view becoming a table moves from its own cost to the tables' median, at its own builds a month", () => {
    const r = estimateCostChange({ ...base, changes: changes({ modified: [modified("v1", "table", ["config"])] }) });
    expect(r.estimates[0]).toMatchObject({ change: "materialization", basis: "median", monthly_change_micros: Math.round(($(2) - $(0.01)) * 30) });
  });

  it("does not price SQL or config changes that keep the materialization, nor tests and seeds", () => {
    const r = estimateCostChange({
      ...base,
      changes: changes({
        modified: [modified("t1", "table", ["body"])],
        added: [{ unique_id: "seed.p.s", resource_type: "seed", name: "s" }],
        removed: [{ unique_id: "snapshot.p.x", resource_type: "snapshot", name: "x" }],
      }),
    });
    expect(r).toEqual({ estimates: [], monthly_change_micros: 0, builds_per_month: 30 });
  });

  it("without production history nothing is priced, and each estimate says why", () => {
    const r = estimateCostChange({
      windowDays: 30,
      projectBuilds: 0,
      models: [model("model.p.t1", "table", 0, 0)],
      changes: changes({ removed: [node("t1")], added: [node("n", { materialized: "table" })] }),
    });
    expect(r.estimates.map((e) => [e.basis, e.monthly_change_micros, e.basis_note])).toEqual([
      ["no_history", 0, "no production build in the window"],
      ["no_history", 0, "no production builds of this project to compare with"],
    ]);
  });

  it("scales a window other than a month to a month", () => {
    const r = estimateCostChange({
      windowDays: 15,
      projectBuilds: 15,
      models: [model("model.p.t1", "table", 15, 15)],
      changes: changes({ removed: [node("t1")] }),
    });
    expect(r.estimates[0]).toMatchObject({ builds_per_month: 30, monthly_change_micros: -$(30) });
  });
});
