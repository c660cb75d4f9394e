import { describe, expect, it } from "vitest";
import { oneOf, withQuery } from "../../../web/src/lib/query-params";

const url = (query: string) => new URL(`https://tutti.example/runs${query}`);

describe("list filters in the URL", () => {
  it("sets a filter and keeps the other parameters", () => {
    expect(withQuery(url("?tab=all"), { status: "failed" }).search).toBe("?tab=all&status=failed");
  });

  it("removes a filter whose value is empty", () => {
    expect(withQuery(url("?status=failed&pipeline=etl"), { status: "" }).search).toBe("?pipeline=etl");
  });

  it("removes a filter set back to its default, and keeps an empty value that differs from a non-empty default", () => {
    expect(withQuery(url("?type=test"), { type: "model" }, { type: "model" }).search).toBe("");
    expect(withQuery(url(""), { type: "" }, { type: "model" }).searchParams.get("type")).toBe("");
  });

  it("leaves the path and the original URL alone", () => {
    const before = url("?q=a");
    const after = withQuery(before, { q: "b" });
    expect(after.pathname).toBe("/runs");
    expect(before.search).toBe("?q=a");
  });

  it("accepts only the listed values from a hand-edited URL", () => {
    expect(oneOf(["failed", "succeeded"] as const, "failed")).toBe("failed");
    expect(oneOf(["failed", "succeeded"] as const, "dropped")).toBeUndefined();
    expect(oneOf(["failed", "succeeded"] as const, null)).toBeUndefined();
  });
});
