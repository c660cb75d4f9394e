import { describe, expect, it } from "vitest";
import { applyDatasetUpdate, datasetRunKey, type DatasetMark, type DatasetTriggerDef, type DatasetUpdate } from "../../../worker/engine/dataset-triggers";

const H = 3_600_000;

/** Applies updates in order, keeping the marks, and returns each update's fire (or null). */
function play(def: DatasetTriggerDef, updates: DatasetUpdate[]) {
  let marks = new Map<string, DatasetMark>();
  return updates.map((u) => {
    const result = applyDatasetUpdate(def, marks, u);
    marks = result.marks;
    return result.fire;
  });
}

const u = (datasetId: string, at: number, runId: string | null = null): DatasetUpdate => ({ datasetId, at, runId });

describe("dataset triggers, mode any", () => {
  const any: DatasetTriggerDef = { datasetIds: ["a", "b"], mode: "any", withinMs: null };

  it("fires on each newer write of any listed dataset", () => {
    const fires = play(any, [u("a", 1000), u("b", 2000), u("a", 3000)]);
    expect(fires.map((f) => f?.updates)).toEqual([[u("a", 1000)], [u("b", 2000)], [u("a", 3000)]]);
  });

  it("a repeated, older or unlisted update fires nothing", () => {
    expect(play(any, [u("a", 5000), u("a", 5000), u("a", 4000), u("c", 9000)]).map((f) => f !== null)).toEqual([true, false, false, false]);
  });
});

describe("dataset triggers, mode all", () => {
  const all: DatasetTriggerDef = { datasetIds: ["a", "b", "c"], mode: "all", withinMs: 6 * H };

  it("fires once every dataset has a write within `within` of the others, with the writes it used", () => {
    const fires = play(all, [u("a", 0, "run_1"), u("b", 2 * H), u("c", 5 * H)]);
    expect(fires.slice(0, 2)).toEqual([null, null]);
    expect(fires[2]?.updates).toEqual([u("a", 0, "run_1"), u("b", 2 * H), u("c", 5 * H)]);
  });

  it("writes too far apart wait until the stale one is written again", () => {
    const fires = play(all, [u("a", 0), u("b", 1 * H), u("c", 7 * H), u("a", 8 * H), u("b", 8 * H)]);
    expect(fires.map((f) => f !== null)).toEqual([false, false, false, false, true]);
    expect(fires[4]?.updates.map((x) => x.at)).toEqual([8 * H, 8 * H, 7 * H]);
  });

  it("after firing, every dataset must be written again; a duplicate of a used write does not count", () => {
    const fires = play(all, [u("a", 0), u("b", 0), u("c", 0), u("a", 0), u("b", H), u("c", H), u("a", H)]);
    expect(fires.map((f) => f !== null)).toEqual([false, false, true, false, false, false, true]);
  });

  it("the run key names each write, so the same set of writes always gives the same key", () => {
    const [, , fire] = play(all, [u("c", 3), u("a", 1), u("b", 2)]);
    expect(datasetRunKey("pl_x", 2, fire!)).toBe("datasets:pl_x:2:a@1,b@2,c@3");
  });
});
