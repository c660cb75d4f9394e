import { describe, expect, it } from "vitest";
import { findTriggerCycle } from "../../../worker/pipelines/triggers";

const p = (name: string, ...after: string[]) => ({ name, after });

describe("findTriggerCycle", () => {
  it("finds nothing in a chain or a diamond of after: triggers", () => {
    const others = [p("ingest"), p("staging", "ingest"), p("marts", "staging"), p("finance", "staging")];
    expect(findTriggerCycle(p("report", "marts", "finance"), others)).toBeNull();
  });

  it("names a two-pipeline loop in the order the runs would start one another", () => {
    expect(findTriggerCycle(p("b", "a"), [p("a", "b")])).toEqual({ triggerIndex: 0, cycle: ["b", "a", "b"] });
  });

  it("finds a longer loop and the trigger that closes it", () => {
    expect(findTriggerCycle(p("c", "x", "b"), [p("a", "c"), p("b", "a"), p("x")])).toEqual({ triggerIndex: 1, cycle: ["c", "a", "b", "c"] });
  });

  it("judges the pushed spec, not the version it replaces", () => {
    // a used to run after b; the new a does not, so b after a is no loop.
    expect(findTriggerCycle(p("a"), [p("a", "b"), p("b", "a")])).toBeNull();
    expect(findTriggerCycle(p("a", "b"), [p("a"), p("b", "a")])).toEqual({ triggerIndex: 0, cycle: ["a", "b", "a"] });
  });

  it("reports the shortest loop when there are several", () => {
    const others = [p("l1", "a"), p("l2", "l1"), p("l3", "l2"), p("s1", "a")];
    expect(findTriggerCycle(p("a", "l3", "s1"), others)?.cycle).toEqual(["a", "s1", "a"]);
  });
});
