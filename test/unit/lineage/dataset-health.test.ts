import { describe, expect, it } from "vitest";
import { datasetFirstSeenAt, summarizeChecks } from "../../../worker/lineage/dataset-health";
import { effectiveDatasetOwner } from "../../../worker/lineage/dataset-owner";

describe("dataset owner", () => {
  it("a team set on the dataset wins over the writing pipeline's team", () => {
    expect(effectiveDatasetOwner("team_a", "team_b")).toEqual({ teamId: "team_a", source: "declared" });
  });

  it("without a declared team the dataset inherits its writing pipeline's team", () => {
    expect(effectiveDatasetOwner(null, "team_b")).toEqual({ teamId: "team_b", source: "writer" });
    expect(effectiveDatasetOwner(undefined, "team_b")).toEqual({ teamId: "team_b", source: "writer" });
  });

  it("with neither, nobody owns it", () => {
    expect(effectiveDatasetOwner(null, null)).toEqual({ teamId: null, source: null });
  });
});

describe("dataset first seen", () => {
  it("is the catalog entry's creation when no run touched it earlier", () => {
    expect(datasetFirstSeenAt(1_000, null)).toBe(1_000);
    expect(datasetFirstSeenAt(1_000, 5_000)).toBe(1_000);
  });

  it("moves back to the earliest run that read or wrote it (late events, backfills)", () => {
    expect(datasetFirstSeenAt(1_000, 200)).toBe(200);
  });
});

describe("latest checks", () => {
  it("fails when any latest result fails or errors, even beside passes and warnings", () => {
    expect(summarizeChecks(["pass", "warn", "error"])).toEqual({ checks: 3, passing: 1, warning: 1, failing: 1, state: "failing" });
    expect(summarizeChecks(["fail"]).state).toBe("failing");
  });

  it("warns when the worst latest result is a warning, passes when all pass", () => {
    expect(summarizeChecks(["pass", "warn"]).state).toBe("warning");
    expect(summarizeChecks(["pass", "pass"])).toEqual({ checks: 2, passing: 2, warning: 0, failing: 0, state: "passing" });
  });

  it("leaves skipped checks out, so only skipped results are no checks", () => {
    expect(summarizeChecks(["skipped", "skipped"])).toEqual({ checks: 0, passing: 0, warning: 0, failing: 0, state: "no_checks" });
    expect(summarizeChecks([]).state).toBe("no_checks");
  });
});
