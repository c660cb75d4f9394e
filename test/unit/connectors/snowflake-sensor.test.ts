import { describe, expect, it } from "vitest";
import { SnowflakeWith } from "../../../worker/connectors/snowflake/schema";
import { cellIsTrue, conditionMet } from "../../../worker/connectors/snowflake/sensor-condition";
import { firstKeyword } from "../../../worker/connectors/snowflake/statements";

describe("a Snowflake sensor's condition on its query's answer", () => {
  it("reads a BOOLEAN column's true, in any case, and nothing else as true", () => {
    expect(cellIsTrue("true", "boolean")).toBe(true);
    expect(cellIsTrue("TRUE", "boolean")).toBe(true);
    expect(cellIsTrue("false", "boolean")).toBe(false);
    expect(cellIsTrue("1", "boolean")).toBe(false);
    expect(cellIsTrue(null, "boolean")).toBe(false);
  });

  it("reads a number other than zero as true, in any numeric column", () => {
    expect(cellIsTrue("1", "fixed")).toBe(true);
    expect(cellIsTrue("42", "fixed")).toBe(true);
    expect(cellIsTrue("-3", "fixed")).toBe(true);
    expect(cellIsTrue("0.001", "real")).toBe(true);
    expect(cellIsTrue("0", "fixed")).toBe(false);
    expect(cellIsTrue("0.00", "fixed")).toBe(false);
    expect(cellIsTrue("", "fixed")).toBe(false);
    expect(cellIsTrue(null, "fixed")).toBe(false);
  });

  it("reads text as true only when it says true, not when it holds a number", () => {
    expect(cellIsTrue("true", "text")).toBe(true);
    expect(cellIsTrue("TRUE", "text")).toBe(true);
    expect(cellIsTrue(" True ", "text")).toBe(true);
    expect(cellIsTrue("yes", "text")).toBe(false);
    expect(cellIsTrue("1", "text")).toBe(false);
    expect(cellIsTrue("2026-12-07", "date")).toBe(false);
  });

  it("reads a column of unknown type as a boolean or a number", () => {
    expect(cellIsTrue("true", "")).toBe(true);
    expect(cellIsTrue("7", "")).toBe(true);
    expect(cellIsTrue("0", "")).toBe(false);
    expect(cellIsTrue("ready", "")).toBe(false);
  });

  it("looks at the first column of the first row only; no row is not yet", () => {
    expect(conditionMet({ types: ["boolean"], data: [["true"]] })).toBe(true);
    expect(conditionMet({ types: ["boolean"], data: [] })).toBe(false);
    expect(conditionMet({ types: ["boolean", "fixed"], data: [["false", "1"]] })).toBe(false);
    expect(conditionMet({ types: ["fixed"], data: [["0"], ["1"]] })).toBe(false);
    expect(conditionMet({ types: ["fixed"], data: [["3"], ["0"]] })).toBe(true);
    expect(conditionMet({ types: [], data: [[]] })).toBe(false);
  });
});

describe("a Snowflake sensor's statement at push", () => {
  const sensor = { interval: "5m", timeout: "6h" };
  const problems = (w: Record<string, unknown>) => {
    const r = SnowflakeWith.safeParse(w);
    return r.success ? [] : r.error.issues.map((i) => ({ path: i.path.join("."), message: i.message }));
  };

  it("takes a query, with a comment or parenthesis before it", () => {
    expect(problems({ statement: "select count(*) > 0 from raw.orders", sensor })).toEqual([]);
    expect(problems({ statement: "-- loaded today?\n(select 1 from raw.orders limit 1)", sensor })).toEqual([]);
    expect(problems({ statement: "with t as (select 1 as x) select x from t", sensor, timeout_seconds: 40 })).toEqual([]);
  });

  it("refuses a statement that writes, several statements, and a long poke timeout, naming the field", () => {
    expect(problems({ statement: "/* hi */ delete from raw.orders", sensor })).toEqual([{ path: "statement", message: expect.stringContaining("not DELETE") }]);
    expect(problems({ statement: "select 1; select 2", sensor })).toEqual([{ path: "statement", message: expect.stringContaining("one query") }]);
    expect(problems({ statement: "select 1", sensor, multi_statement_count: 1 })).toEqual([{ path: "multi_statement_count", message: expect.any(String) }]);
    expect(problems({ statement: "select 1", sensor, timeout_seconds: 0 })).toEqual([
      { path: "timeout_seconds", message: expect.stringContaining("between 1 and 40") },
    ]);
    // Without a sensor the same statements are the task's ordinary work.
    expect(problems({ statement: "delete from raw.orders; select 2", timeout_seconds: 0 })).toEqual([]);
  });

  it("finds the first keyword past comments and parentheses", () => {
    expect(firstKeyword("  -- a\n// b\n/* c */ ((SELECT 1))")).toBe("select");
    expect(firstKeyword("Insert into t values (1)")).toBe("insert");
    expect(firstKeyword("/* only a comment */")).toBeNull();
  });
});
