import { describe, expect, it } from "vitest";
import { derivedId, newId } from "../../../worker/lib/ids";

describe("ids", () => {
  it("random and derived ids share one shape: the kind's prefix and 20 base-36 characters", async () => {
    expect(newId("run")).toMatch(/^run_[0-9a-z]{20}$/);
    expect(await derivedId("dataset", ["t1", "dataset", "ns", "orders"])).toMatch(/^ds_[0-9a-z]{20}$/);
    expect(await derivedId("delivery", ["t1", "alr_1", "opened", "ch_1"])).toMatch(/^dlv_[0-9a-z]{20}$/);
  });

  it("a derived id is the same for the same parts and differs when any part, including the tenant, differs", async () => {
    const id = await derivedId("job", ["t1", "job", "ns", "load"]);
    expect(await derivedId("job", ["t1", "job", "ns", "load"])).toBe(id);
    expect(await derivedId("job", ["t2", "job", "ns", "load"])).not.toBe(id);
    // Parts are joined with a separator, so moving characters between parts changes the id.
    expect(await derivedId("job", ["t1", "job", "nsl", "oad"])).not.toBe(id);
  });
});
