import { describe, expect, it } from "vitest";
import { findTriggerCycle, type PushedTriggers, type TriggerNode } from "../../../worker/pipelines/triggers";

const p = (name: string, ...after: string[]): TriggerNode => ({ name, after });
const pushed = (name: string, ...after: string[]): PushedTriggers => ({ name, triggers: after.map((a) => ({ after: a })), writes: [] });

describe("findTriggerCycle", () => {
  it("finds nothing in a chain or a diamond of after: triggers", () => {
    const others = [p("ingest"), p("staging", "ingest"), p("marts", "staging"), p("finance", "staging")];
    expect(findTriggerCycle(pushed("report", "marts", "finance"), others)).toBeNull();
  });

  it("names a two-pipeline loop in the order the runs would start one another", () => {
    expect(findTriggerCycle(pushed("b", "a"), [p("a", "b")])).toEqual({ at: { trigger: 0 }, cycle: ["b", "a", "b"] });
  });

  it("finds a longer loop and the trigger that closes it", () => {
    expect(findTriggerCycle(pushed("c", "x", "b"), [p("a", "c"), p("b", "a"), p("x")])).toEqual({ at: { trigger: 1 }, cycle: ["c", "a", "b", "c"] });
  });

  it("judges the pushed spec, not the version it replaces", () => {
    // a used to run after b; the new a does not, so b after a is no loop.
    expect(findTriggerCycle(pushed("a"), [p("a", "b"), p("b", "a")])).toBeNull();
    expect(findTriggerCycle(pushed("a", "b"), [p("a"), p("b", "a")])).toEqual({ at: { trigger: 0 }, cycle: ["a", "b", "a"] });
  });

  it("reports the shortest loop when there are several", () => {
    const others = [p("l1", "a"), p("l2", "l1"), p("l3", "l2"), p("s1", "a")];
    expect(findTriggerCycle(pushed("a", "l3", "s1"), others)?.cycle).toEqual(["a", "s1", "a"]);
  });
});

describe("findTriggerCycle across after: and dataset triggers", () => {
  it("a pipeline triggered by a dataset that a pipeline after it writes closes a loop, named at the dataset", () => {
    // marts writes ds_marts and runs after report; report triggers on ds_raw and ds_marts.
    const others: TriggerNode[] = [{ name: "marts", after: ["report"], writes: ["ds_marts"] }];
    const found = findTriggerCycle({ name: "report", triggers: [{ datasetIds: ["ds_raw", "ds_marts"] }], writes: [] }, others);
    expect(found).toEqual({ at: { trigger: 0, dataset: 1 }, cycle: ["report", "marts", "report"] });
  });

  it("a loop made only of dataset triggers is found through the datasets each pipeline writes", () => {
    const others: TriggerNode[] = [{ name: "b", after: [], datasets: ["ds_a"], writes: ["ds_b"] }];
    const found = findTriggerCycle({ name: "a", triggers: [null, { datasetIds: ["ds_b"] }], writes: ["ds_a"] }, others);
    expect(found).toEqual({ at: { trigger: 1, dataset: 0 }, cycle: ["a", "b", "a"] });
  });

  it("a pipeline triggered by a dataset it writes itself is a loop of one", () => {
    expect(findTriggerCycle({ name: "a", triggers: [{ datasetIds: ["ds_a"] }], writes: ["ds_a"] }, [])).toEqual({
      at: { trigger: 0, dataset: 0 },
      cycle: ["a", "a"],
    });
  });

  it("datasets nobody in the graph writes, or written by pipelines upstream only, close no loop", () => {
    const others: TriggerNode[] = [
      { name: "ingest", after: [], writes: ["ds_raw"] },
      { name: "other", after: ["report"] },
    ];
    expect(findTriggerCycle({ name: "report", triggers: [{ datasetIds: ["ds_raw", "ds_unknown"] }], writes: ["ds_report"] }, others)).toBeNull();
  });
});
