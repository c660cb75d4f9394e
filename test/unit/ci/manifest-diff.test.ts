import { describe, expect, it } from "vitest";
import { canonicalJson, diffManifests, summarizeManifest } from "../../../worker/ci/manifest-diff";
import { dbtFixture } from "../../helpers/lineage-fixtures";

/** The production manifest and a PR's version of it: SQL of one model changed, config of another, one added, one deleted. */
function prManifest(prod: any) {
  const pr = structuredClone(prod);
  pr.nodes["model.jaffle_shop.customers"].checksum = { name: "sha256", checksum: "0".repeat(64) };
  pr.nodes["model.jaffle_shop.customers"].raw_code += "\n-- filter test customers";
  pr.nodes["model.jaffle_shop.orders"].config.materialized = "incremental";
  pr.nodes["model.jaffle_shop.orders"].config.unique_key = "order_id";
  pr.nodes["model.jaffle_shop.order_items"] = {
    ...structuredClone(prod.nodes["model.jaffle_shop.orders"]),
    unique_id: "model.jaffle_shop.order_items",
    name: "order_items",
  };
  const seed = Object.keys(prod.nodes).find((k) => k.startsWith("seed."))!;
  delete pr.nodes[seed];
  return { pr, seed };
}

describe("modified-node detection (dbt state:modified)", () => {
  const prod = JSON.parse(dbtFixture("duckdb-1.8/manifest.json"));

  it("finds changed SQL, changed config, a new model and a deleted node", () => {
    const { pr, seed } = prManifest(prod);
    const diff = diffManifests(summarizeManifest(prod), summarizeManifest(pr));
    expect(diff.modified).toEqual([
      {
        unique_id: "model.jaffle_shop.customers",
        resource_type: "model",
        name: "customers",
        changes: ["body"],
        breaking_contract: false,
        materialized: "table",
      },
      // The PR's materialization travels with the change: the cost estimate prices a table becoming incremental.
      {
        unique_id: "model.jaffle_shop.orders",
        resource_type: "model",
        name: "orders",
        changes: ["config"],
        breaking_contract: false,
        materialized: "incremental",
      },
    ]);
    expect(diff.added).toEqual([{ unique_id: "model.jaffle_shop.order_items", resource_type: "model", name: "order_items", materialized: "table" }]);
    expect(diff.removed).toEqual([{ unique_id: seed, resource_type: "seed", name: prod.nodes[seed].name }]);
  });

  it("the same manifest, re-serialized with other key order, has no changes", () => {
    const reordered = JSON.parse(
      JSON.stringify(prod, (_k, v) => (v && typeof v === "object" && !Array.isArray(v) ? Object.fromEntries(Object.entries(v).reverse()) : v)),
    );
    expect(diffManifests(summarizeManifest(prod), summarizeManifest(reordered))).toEqual({ modified: [], added: [], removed: [] });
  });

  it("contract changes: dropping a column of an enforced contract is breaking, adding one is not", () => {
    const enforced = structuredClone(prod);
    const customers = enforced.nodes["model.jaffle_shop.customers"];
    customers.contract = { enforced: true, alias_types: true, checksum: "a" };
    for (const col of Object.values(customers.columns) as any[]) col.data_type = "varchar";
    const dropped = structuredClone(enforced);
    delete dropped.nodes["model.jaffle_shop.customers"].columns.last_name;
    const added = structuredClone(enforced);
    added.nodes["model.jaffle_shop.customers"].columns.email = { name: "email", data_type: "varchar" };
    const base = summarizeManifest(enforced);
    expect(diffManifests(base, summarizeManifest(dropped)).modified).toEqual([
      expect.objectContaining({ name: "customers", changes: ["contract"], breaking_contract: true }),
    ]);
    expect(diffManifests(base, summarizeManifest(added)).modified).toEqual([
      expect.objectContaining({ name: "customers", changes: ["contract"], breaking_contract: false }),
    ]);
    // Switching enforcement off breaks consumers relying on it.
    expect(diffManifests(base, summarizeManifest(prod)).modified).toEqual([expect.objectContaining({ changes: ["contract"], breaking_contract: true })]);
  });

  it("tests and other non-buildable nodes are not compared; a non-manifest is refused", () => {
    const pr = structuredClone(prod);
    const test = Object.keys(pr.nodes).find((k) => k.startsWith("test."))!;
    pr.nodes[test].checksum = { name: "sha256", checksum: "f".repeat(64) };
    expect(diffManifests(summarizeManifest(prod), summarizeManifest(pr)).modified).toEqual([]);
    expect(() => summarizeManifest({ metadata: {} })).toThrow(/no `nodes`/);
    expect(canonicalJson({ b: 1, a: [{ d: 2, c: 3 }] })).toBe('{"a":[{"c":3,"d":2}],"b":1}');
  });
});
