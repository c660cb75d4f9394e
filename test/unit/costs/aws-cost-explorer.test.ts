import { describe, expect, it } from "vitest";
import { awsErrorMessage } from "../../../worker/connectors/aws/cost-explorer";
import { costExplorerDrafts, tagValueOf } from "../../../worker/costs/collectors/aws-ce-map";

describe("Cost Explorer results", () => {
  it("reads the tag value of a group key, empty when untagged, and refuses a key of another tag", () => {
    expect(tagValueOf("data-product$orders", "data-product")).toBe("orders");
    expect(tagValueOf("data-product$", "data-product")).toBe("");
    expect(tagValueOf("data-product$a$b", "data-product")).toBe("a$b");
    expect(tagValueOf("team$orders", "data-product")).toBeNull();
    expect(tagValueOf(undefined, "data-product")).toBeNull();
  });

  it("parses amounts exactly, keeps credits negative, merges a day continued on the next page, and skips malformed days", () => {
    const group = (value: string, amount: string) => ({ Keys: [`p$${value}`, "111122223333"], Metrics: { UnblendedCost: { Amount: amount, Unit: "USD" } } });
    const { drafts, groups, otherCurrency } = costExplorerDrafts(
      [
        { TimePeriod: { Start: "2026-03-01", End: "2026-03-02" }, Groups: [group("a", "0.1"), group("b", "-0.2")], Estimated: true },
        // The same day on the next page.
        { TimePeriod: { Start: "2026-03-01", End: "2026-03-02" }, Groups: [group("", "0.30000000000000004")] },
        { TimePeriod: { Start: "2026-13-01" }, Groups: [group("a", "1")] },
        { TimePeriod: { Start: "2026-03-02" }, Groups: [{ Keys: ["p$a", "1"], Metrics: { UnblendedCost: { Amount: "1", Unit: "EUR" } } }] },
      ],
      { currency: "USD", tagKey: "p", metric: "UnblendedCost" },
    );
    expect(drafts.map((d) => [d.externalRef, d.amountMicros, d.attribution])).toEqual([
      ["ce:2026-03-01:111122223333:p$a", 100_000, { products: [{ name: "a", weight: 1 }] }],
      ["ce:2026-03-01:111122223333:p$b", -200_000, { products: [{ name: "b", weight: 1 }] }],
      ["ce:2026-03-01:111122223333:p$", 300_000, {}],
    ]);
    expect(drafts[0].description).toContain("(estimated)");
    expect([groups, otherCurrency]).toEqual([4, 1]);
  });

  it("names AWS errors by type with either message casing and with or without the namespace", () => {
    expect(awsErrorMessage({ __type: "com.amazon.coral.service#LimitExceededException", message: "slow down" })).toBe("LimitExceededException: slow down");
    expect(awsErrorMessage({ __type: "DataUnavailableException", Message: "not yet" })).toBe("DataUnavailableException: not yet");
    expect(awsErrorMessage({ message: "only text" })).toBe("only text");
    expect(awsErrorMessage("<html>")).toBeNull();
  });
});
