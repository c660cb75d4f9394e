import { describe, expect, it } from "vitest";
import type { LineageNode } from "../../../web/src/lib/api/types";
import { mergeGraphs, nodeHealth, shortName, teamColor } from "../../../web/src/lib/lineage-model";
import { layoutLineage } from "../../../web/src/lib/lineage-layout";

const node = (id: string, extra: Partial<LineageNode> = {}): LineageNode => ({
  id,
  type: id.startsWith("job_") ? "job" : "dataset",
  namespace: "ns",
  name: id,
  kind: "table",
  owner_team: null,
  depth: 0,
  last_write_at: null,
  last_run_state: null,
  failing_checks: 0,
  ...extra,
});

describe("lineage explorer helpers", () => {
  it("merges an expansion without duplicating nodes or edges, keeping the first depth", () => {
    const merged = mergeGraphs(
      { nodes: [node("ds_a", { depth: 0 }), node("ds_b", { depth: 1 })], edges: [{ from: "ds_a", to: "ds_b", kind: "derived" }] },
      {
        nodes: [node("ds_b", { depth: 0 }), node("ds_c", { depth: 1 })],
        edges: [
          { from: "ds_a", to: "ds_b", kind: "derived" },
          { from: "ds_b", to: "ds_c", kind: "derived" },
        ],
      },
    );
    expect(merged.nodes.map((n) => [n.id, n.depth])).toEqual([
      ["ds_a", 0],
      ["ds_b", 1],
      ["ds_c", 1],
    ]);
    expect(merged.edges).toHaveLength(2);
  });

  it("gives each team one stable colour and unowned nodes grey", () => {
    expect(teamColor("team_a")).toBe(teamColor("team_a"));
    expect(teamColor(null)).toBe("var(--team-none)");
    const colours = new Set(["team_a", "team_b", "team_c", "team_d", "team_e"].map(teamColor));
    expect(colours.size).toBeGreaterThan(2);
  });

  it("health: failing checks first, then a job's last run, then whether a dataset was ever written", () => {
    expect(nodeHealth(node("ds_a", { failing_checks: 2, last_write_at: "2026-01-01T00:00:00Z" }))).toBe("failed");
    expect(nodeHealth(node("job_a", { last_run_state: "failed" }))).toBe("failed");
    expect(nodeHealth(node("job_a", { last_run_state: "running" }))).toBe("running");
    expect(nodeHealth(node("ds_a", { last_write_at: "2026-01-01T00:00:00Z" }))).toBe("healthy");
    expect(nodeHealth(node("ds_a"))).toBe("unknown");
  });

  it("shortens long warehouse names to their last two parts", () => {
    expect(shortName("your-project.jaffle_shop.customers")).toBe("jaffle_shop.customers");
    expect(shortName("orders")).toBe("orders");
  });

  it("lays upstream out left of downstream", () => {
    const nodes = [node("ds_a"), node("job_x"), node("ds_b")];
    const { positions, edges } = layoutLineage(nodes, [
      { from: "ds_a", to: "job_x", kind: "input" },
      { from: "job_x", to: "ds_b", kind: "output" },
      { from: "ds_b", to: "ds_missing", kind: "derived" },
    ]);
    expect(positions.get("ds_a")!.x).toBeLessThan(positions.get("job_x")!.x);
    expect(positions.get("job_x")!.x).toBeLessThan(positions.get("ds_b")!.x);
    expect(edges).toHaveLength(2);
  });
});
