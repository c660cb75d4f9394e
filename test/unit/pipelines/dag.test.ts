import { describe, expect, it } from "vitest";
import { findCycles, topoOrder } from "../../../worker/pipelines";

const t = (id: string, ...depends_on: string[]) => ({ id, depends_on });

describe("topoOrder", () => {
  it("puts every task after its dependencies, keeping spec order among ready tasks", () => {
    expect(topoOrder([t("report", "marts"), t("crm"), t("marts", "crm", "erp"), t("erp")])).toEqual(["crm", "erp", "marts", "report"]);
  });

  it("is stable: independent tasks keep the order they were written in", () => {
    expect(topoOrder([t("c"), t("b"), t("a")])).toEqual(["c", "b", "a"]);
  });

  it("orders a diamond", () => {
    expect(topoOrder([t("end", "left", "right"), t("right", "start"), t("left", "start"), t("start")])).toEqual(["start", "right", "left", "end"]);
  });

  it("handles a long chain without deep recursion", () => {
    const chain = Array.from({ length: 5000 }, (_, i) => (i === 0 ? t("t0") : t(`t${i}`, `t${i - 1}`))).reverse();
    const order = topoOrder(chain);
    expect(order[0]).toBe("t0");
    expect(order[4999]).toBe("t4999");
  });

  it("refuses cycles and unknown dependencies", () => {
    expect(() => topoOrder([t("a", "b"), t("b", "a")])).toThrow(/cycle/);
    expect(() => topoOrder([t("a", "ghost")])).toThrow(/unknown task "ghost"/);
  });
});

describe("findCycles", () => {
  it("finds nothing in a DAG", () => {
    expect(findCycles([t("a"), t("b", "a"), t("c", "a", "b")])).toEqual([]);
  });

  it("reports the closing edge and the cycle", () => {
    // a depends on c, c on b, b on a: the search walks a → c → b and closes the loop at b's depends_on[0].
    expect(findCycles([t("a", "c"), t("b", "a"), t("c", "b")])).toEqual([{ taskIndex: 1, depIndex: 0, cycle: ["a", "c", "b", "a"] }]);
  });

  it("reports two separate cycles", () => {
    const found = findCycles([t("a", "b"), t("b", "a"), t("x", "y"), t("y", "x")]);
    expect(found.map((f) => f.cycle)).toEqual([
      ["a", "b", "a"],
      ["x", "y", "x"],
    ]);
  });

  it("ignores self edges and unknown ids, which validation reports on their own", () => {
    expect(findCycles([t("a", "a"), t("b", "ghost")])).toEqual([]);
  });

  it("finds a cycle at the end of a long chain iteratively", () => {
    const nodes = Array.from({ length: 3000 }, (_, i) => t(`n${i}`, `n${(i + 1) % 3000}`));
    const [edge] = findCycles(nodes);
    expect(edge.cycle).toHaveLength(3001);
  });
});
