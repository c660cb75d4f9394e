import { describe, expect, it } from "vitest";
import { allocate, attributeShares } from "../../../worker/costs/attribution";
import { splitMicros, toMicros } from "../../../worker/costs/money";

describe("splitMicros", () => {
  it("splits by weight and always adds back up to the total", () => {
    expect(splitMicros(100, [1, 1, 1])).toEqual([34, 33, 33]);
    expect(splitMicros(toMicros(10), [3, 1])).toEqual([7_500_000, 2_500_000]);
    for (const total of [1, 7, 999_999, 123_456_789]) {
      const parts = splitMicros(total, [0.3, 0.3, 0.4, 1e-9]);
      expect(parts.reduce((a, b) => a + b, 0)).toBe(total);
      expect(parts.every((p) => p >= 0)).toBe(true);
    }
  });

  it("refuses weights that are all zero", () => {
    expect(() => splitMicros(10, [0, 0])).toThrow();
  });
});

describe("attributeShares", () => {
  const claims = new Map([
    [
      "ds_orders",
      [
        { productId: "dp_finance", weight: 3 },
        { productId: "dp_growth", weight: 1 },
      ],
    ],
    ["ds_fx", [{ productId: "dp_finance", weight: 1 }]],
  ]);

  it("an explicit split wins over lineage", () => {
    const r = attributeShares({
      explicit: [
        { productId: "dp_a", weight: 1 },
        { productId: "dp_b", weight: 3 },
      ],
      datasets: ["ds_orders"],
      claims,
      pipelineProducts: [],
    });
    expect(r.by).toBe("explicit");
    expect(r.shares).toEqual([
      { productId: "dp_b", share: 0.75 },
      { productId: "dp_a", share: 0.25 },
    ]);
  });

  it("a dataset shared by two products splits by membership weight", () => {
    const r = attributeShares({ explicit: null, datasets: ["ds_orders"], claims, pipelineProducts: [] });
    expect(r.by).toBe("datasets");
    expect(r.shares).toEqual([
      { productId: "dp_finance", share: 0.75 },
      { productId: "dp_growth", share: 0.25 },
    ]);
  });

  it("spreads evenly over datasets, and unclaimed datasets fall to the pipeline's products", () => {
    const r = attributeShares({ explicit: null, datasets: ["ds_orders", "ds_tmp"], claims, pipelineProducts: [{ productId: "dp_ops", weight: 1 }] });
    expect(r.shares).toEqual([
      { productId: "dp_ops", share: 0.5 },
      { productId: "dp_finance", share: 0.375 },
      { productId: "dp_growth", share: 0.125 },
    ]);
  });

  it("keeps an unclaimed share for no product when the pipeline declares none", () => {
    const r = attributeShares({ explicit: null, datasets: ["ds_fx", "ds_tmp"], claims, pipelineProducts: [] });
    expect(r.shares).toEqual([
      { productId: "dp_finance", share: 0.5 },
      { productId: null, share: 0.5 },
    ]);
  });

  it("falls back to the pipeline's products, then to none", () => {
    expect(
      attributeShares({
        explicit: null,
        datasets: [],
        claims,
        pipelineProducts: [
          { productId: "dp_x", weight: 2 },
          { productId: "dp_y", weight: 2 },
        ],
      }),
    ).toEqual({
      by: "pipeline",
      shares: [
        { productId: "dp_x", share: 0.5 },
        { productId: "dp_y", share: 0.5 },
      ],
    });
    expect(attributeShares({ explicit: null, datasets: ["ds_tmp"], claims, pipelineProducts: [] })).toEqual({
      by: "none",
      shares: [{ productId: null, share: 1 }],
    });
  });

  it("allocates exact micro amounts", () => {
    const r = attributeShares({ explicit: null, datasets: ["ds_orders"], claims, pipelineProducts: [] });
    const parts = allocate(toMicros(1), r.shares);
    expect(parts.map((p) => p.amountMicros)).toEqual([750_000, 250_000]);
  });
});
